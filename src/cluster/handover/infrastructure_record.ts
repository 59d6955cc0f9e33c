/**
 * The infrastructure apply ensured, handed to the operator with the `K8znerCluster`. The CLI checks
 * network, firewall, API load balancer, placement groups and SSH key seconds before the hand-over;
 * without this record the operator's first pass asks Hetzner the same again (a discovery of 8 GETs).
 * The record is an annotation: what was ensured (the objects as Hetzner returned them), for which
 * infrastructure part of the desired state (a digest of {@link infrastructureFingerprint} of the
 * spec written beside it), and when. The operator trusts it only while its own fingerprint is the
 * same and for its usual recheck period from `at`; anything else (no record, another digest, a
 * record from the future, an unreadable one) means a check as without it.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { DesiredState } from "../../config/mod.ts";
import type { Firewall, LoadBalancer, Network, PlacementGroup, SshKey } from "../../hcloud/mod.ts";
import type { KubeObject } from "../../kube/mod.ts";
import { type K8znerClusterSpec, renderK8znerCluster } from "../../addons/k8zner_cluster.ts";
import { desiredFromCluster } from "./desired_from_spec.ts";
import { stableJson } from "../../lib/stable_json.ts";
import type { InfrastructureResult } from "../infra/ensure_infrastructure.ts";

/** Annotation on the `K8znerCluster` that holds the record (JSON). */
export const ENSURED_INFRASTRUCTURE_ANNOTATION = "k8zner.io/ensured-infrastructure";

/** How far a record's time may lie ahead of the reader's clock (clock skew), before it is distrusted. */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/** A read record. */
export interface InfrastructureRecord {
  result: InfrastructureResult;
  /** {@link fingerprintDigest} of the desired state it was ensured for. */
  digest: string;
  /** When it was ensured (epoch ms). */
  at: number;
}

/**
 * What `ensureInfrastructure` reads of the desired state, as one string: two desired states with the
 * same fingerprint ask for the same network, firewall, load balancer, placement groups and SSH key.
 */
export function infrastructureFingerprint(desired: DesiredState): string {
  const { cluster, labels, selector, network, firewall, loadBalancer, placementGroups } = desired;
  return stableJson({ cluster, labels, selector, network, firewall, loadBalancer, placementGroups });
}

/** SHA-256 (hex) of {@link infrastructureFingerprint}: short enough for an annotation. */
export function fingerprintDigest(desired: DesiredState): string {
  return createHash("sha256").update(infrastructureFingerprint(desired)).digest("hex");
}

/** The annotation's value for `result`, ensured for `desired` at `at`. Pure. */
export function renderInfrastructureRecord(result: InfrastructureResult, desired: DesiredState, at: Date): string {
  return JSON.stringify({
    digest: fingerprintDigest(desired),
    at: at.toISOString(),
    network: result.network,
    firewall: result.firewall,
    loadBalancer: result.loadBalancer,
    placementGroups: [...result.placementGroups.entries()].sort(([a], [b]) => a.localeCompare(b)),
    sshKey: result.sshKey,
  });
}

/**
 * The annotation that hands `result`, ensured at `at`, to the operator of the cluster `name` with `spec`:
 * the digest is of the desired state the operator derives from that very spec, so it compares like for
 * like. None when the spec is one the operator cannot read: it then checks as without a record.
 */
export function infrastructureRecordAnnotation(
  name: string,
  spec: K8znerClusterSpec,
  result: InfrastructureResult,
  at: Date,
): Record<string, string> {
  let desired: DesiredState;
  try {
    desired = desiredFromCluster(renderK8znerCluster({ name, spec }));
  } catch {
    return {};
  }
  return { [ENSURED_INFRASTRUCTURE_ANNOTATION]: renderInfrastructureRecord(result, desired, at) };
}

/** The record on `cluster`, or undefined when it has none or it cannot be read. */
export function readInfrastructureRecord(cluster: KubeObject): InfrastructureRecord | undefined {
  const text = cluster.metadata.annotations?.[ENSURED_INFRASTRUCTURE_ANNOTATION];
  if (text === undefined) return undefined;
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  const hasId = (o: unknown): boolean =>
    typeof o === "object" && o !== null && typeof (o as { id?: unknown }).id === "number";
  const at = typeof raw.at === "string" ? Date.parse(raw.at) : NaN;
  const groups = raw.placementGroups;
  if (
    typeof raw.digest !== "string" || !Number.isFinite(at) || !hasId(raw.network) || !hasId(raw.firewall) ||
    !hasId(raw.loadBalancer) || !hasId(raw.sshKey) || !Array.isArray(groups) ||
    !groups.every((g) => Array.isArray(g) && typeof g[0] === "string" && hasId(g[1]))
  ) {
    return undefined;
  }
  return {
    digest: raw.digest,
    at,
    result: {
      network: raw.network as Network,
      firewall: raw.firewall as Firewall,
      loadBalancer: raw.loadBalancer as LoadBalancer,
      placementGroups: new Map(groups as [string, PlacementGroup][]),
      sshKey: raw.sshKey as SshKey,
    },
  };
}

/**
 * Whether `record` may stand in for a check of `desired` at `now`: the same infrastructure asked for,
 * ensured less than `maxAgeMs` ago (and not in the future beyond clock skew).
 */
export function isRecordFresh(
  record: InfrastructureRecord,
  desired: DesiredState,
  now: number,
  maxAgeMs: number,
): boolean {
  const age = now - record.at;
  return record.digest === fingerprintDigest(desired) && age < maxAgeMs && age > -MAX_CLOCK_SKEW_MS;
}
