/**
 * The checks the API server makes on Events (pkg/apis/core/validation/events.go): through core v1
 * only the legacy namespace rule (an Event about a cluster-scoped object lives in `default`, one
 * about a namespaced object in that object's namespace); through events.k8s.io/v1 the strict rules
 * too (eventTime, reportingController, reportingInstance, action and reason required, type Normal or
 * Warning, the deprecated fields unset, note at most 1 kB). Refused as 422 Invalid.
 *
 * @module
 */
import type { ResourceType } from "./resources.ts";
import { invalid } from "./status.ts";
import type { KubeObj } from "./object_meta.ts";
import { isEventsApiEvent } from "./event_versions.ts";

/** Rejects an Event (in its stored, core form) written through `rt` that the API server refuses. */
export function validateEventCreate(rt: ResourceType, event: KubeObj, name: string): void {
  if (rt.kind !== "Event" || (rt.group !== "" && !isEventsApiEvent(rt))) return;
  const problems: string[] = [];
  const namespace = String((event.metadata as Record<string, unknown> | undefined)?.namespace ?? "");
  const involved = (event.involvedObject ?? {}) as Record<string, unknown>;
  const involvedNs = String(involved.namespace ?? "");
  if (involvedNs === "" ? namespace !== "" && namespace !== "default" : involvedNs !== namespace) {
    problems.push(`involvedObject.namespace: Invalid value: "${involvedNs}": does not match event.namespace`);
  }
  if (isEventsApiEvent(rt)) {
    const text = (key: string) => typeof event[key] === "string" ? event[key] as string : "";
    if (!event.eventTime) problems.push("eventTime: Required value");
    if (event.type !== "Normal" && event.type !== "Warning") {
      problems.push(`type: Invalid value: "": has invalid value: ${text("type")}`);
    }
    if (event.firstTimestamp) problems.push('deprecatedFirstTimestamp: Invalid value: "": needs to be unset');
    if (event.lastTimestamp) problems.push('deprecatedLastTimestamp: Invalid value: "": needs to be unset');
    if (event.count) problems.push('deprecatedCount: Invalid value: "": needs to be unset');
    if (event.source && Object.keys(event.source as object).length > 0) {
      problems.push('deprecatedSource: Invalid value: "": needs to be unset');
    }
    for (
      const [stored, served] of [
        ["reportingComponent", "reportingController"],
        ["reportingInstance", "reportingInstance"],
        ["action", "action"],
        ["reason", "reason"],
      ]
    ) {
      if (text(stored!) === "") problems.push(`${served}: Required value`);
      else if (text(stored!).length > 128) problems.push(`${served}: Too long: may not be more than 128 bytes`);
    }
    if (text("message").length > 1024) problems.push("note: Too long: may not be more than 1024 bytes");
  }
  if (problems.length === 1) throw invalid(rt, name, problems[0]!);
  if (problems.length > 1) throw invalid(rt, name, `[${problems.join(", ")}]`);
}
