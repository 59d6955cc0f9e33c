/**
 * Aggregated discovery (`apidiscovery.k8s.io/v2`, GA since Kubernetes 1.30): `/api` and `/apis`
 * answer with every group version and its resources in one `APIGroupDiscoveryList` when the client
 * asks for it in `Accept` (kubectl and Helm always do), instead of one request per group version.
 * As kube-apiserver's (`ServeHTTPWithETag`), each answer carries an ETag (SHA-512 of the document) with
 * `Cache-Control: public` and `Vary: Accept`, and a client naming that ETag in `If-None-Match` gets 304:
 * client-go revalidates its cached copy every time it resets discovery (Helm does so around each hook
 * and wait), so a server without it makes every such reset download and re-cache the whole list.
 *
 * @module
 */
import type { ResourceRegistry, ResourceType } from "./resources.ts";
import { sha512Hex, withETag } from "./etag.ts";

/** The media type a client asks for and the server answers with. */
export const AGGREGATED_DISCOVERY_TYPE = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

const ALL_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

/** Whether an Accept header asks for aggregated discovery v2 (in any position: the server's choice). */
export function wantsAggregatedDiscovery(accept: string | null): boolean {
  return (accept ?? "").split(",").some((part) => {
    const [type, ...params] = part.split(";").map((p) => p.trim());
    const p = Object.fromEntries(params.map((kv) => kv.split("=").map((s) => s.trim())));
    return type === "application/json" && p.g === "apidiscovery.k8s.io" && p.v === "v2" &&
      p.as === "APIGroupDiscoveryList";
  });
}

function renderResource(t: ResourceType): Record<string, unknown> {
  const kind = { group: t.group, version: t.version, kind: t.kind };
  const subresources: Record<string, unknown>[] = [];
  if (t.hasStatus) subresources.push({ subresource: "status", responseKind: kind, verbs: ["get", "patch", "update"] });
  if (t.group === "" && t.kind === "Pod") {
    // kubectl drain looks for this entry to decide it can evict rather than delete.
    subresources.push({
      subresource: "eviction",
      responseKind: { group: "policy", version: "v1", kind: "Eviction" },
      verbs: ["create"],
    });
  }
  return {
    resource: t.resource,
    responseKind: kind,
    scope: t.namespaced ? "Namespaced" : "Cluster",
    singularResource: t.singular,
    verbs: t.verbs ?? (t.createOnly ? ["create"] : ALL_VERBS),
    ...(t.shortNames.length > 0 ? { shortNames: t.shortNames } : {}),
    ...(subresources.length > 0 ? { subresources } : {}),
  };
}

/**
 * `/api` (`core`: the core group only) or `/apis` (every named group), versions in the registry's
 * order (the preferred version first).
 */
export function renderAggregatedDiscovery(registry: ResourceRegistry, core: boolean): Record<string, unknown> {
  const groups = new Map<string, Map<string, ResourceType[]>>();
  for (const t of registry.all()) {
    if ((t.group === "") !== core) continue;
    const versions = groups.get(t.group) ?? new Map<string, ResourceType[]>();
    versions.set(t.version, [...(versions.get(t.version) ?? []), t]);
    groups.set(t.group, versions);
  }
  const items = [...groups].map(([group, versions]) => ({
    metadata: { ...(group === "" ? {} : { name: group }), creationTimestamp: null },
    versions: [...versions].map(([version, types]) => ({
      version,
      resources: types.map(renderResource),
      freshness: "Current",
    })),
  }));
  return { kind: "APIGroupDiscoveryList", apiVersion: "apidiscovery.k8s.io/v2", metadata: {}, items };
}

/** A rendered `/api` or `/apis` document and its ETag. */
interface Rendered {
  generation: number;
  text: string;
  hash: string;
}

/**
 * Serves `/api` and `/apis` in the aggregated form, rendered (and hashed) again only when the served types
 * change, as the API server recomputes its document only when a group version comes or goes.
 */
export class AggregatedDiscovery {
  #rendered = new Map<boolean, Rendered>();

  constructor(readonly registry: ResourceRegistry) {}

  /** The answer to a `GET /api` (`core`) or `GET /apis` that asked for aggregated discovery. */
  serve(req: Request, core: boolean): Response {
    const generation = this.registry.generation;
    let doc = this.#rendered.get(core);
    if (doc?.generation !== generation) {
      const text = JSON.stringify(renderAggregatedDiscovery(this.registry, core));
      doc = { generation, text, hash: sha512Hex(text) };
      this.#rendered.set(core, doc);
    }
    const text = doc.text;
    return withETag(req, () => text, doc.hash, {
      "content-type": AGGREGATED_DISCOVERY_TYPE,
      vary: "Accept",
      "cache-control": "public",
    });
  }
}
