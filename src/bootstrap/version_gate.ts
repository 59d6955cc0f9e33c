/**
 * The version rules of `apply` and `plan` against a running cluster: what it runs (the `K8znerCluster`
 * spec, or the nodes themselves when that object is missing), whether the config may move it to its
 * versions (refused as a {@link ConfigError} on the field's line, exit 2, before anything is changed),
 * and the one line that tells the user an upgrade is coming. Pure.
 *
 * @module
 */
import {
  checkVersionChange,
  ConfigError,
  type ConfigProblem,
  type CurrentVersions,
  type DesiredState,
  type FieldPosition,
  type VersionProblem,
} from "../config/mod.ts";
import type { KubeObject } from "../kube/mod.ts";

/** The config file the versions came from, to point at the field's line. */
export interface ConfigSource {
  /** As shown to the user. */
  path: string;
  /** Where each field's key is (dotted path); a field not in the file has none. */
  positions?: Readonly<Record<string, FieldPosition>>;
}

/** The versions a `K8znerCluster` asks for: the target of any rollout under way, so the one to compare with. */
export function currentVersionsOfSpec(object: KubeObject): CurrentVersions {
  const spec = (object.spec ?? {}) as { talos?: { version?: unknown }; kubernetes?: { version?: unknown } };
  const talos = spec.talos?.version;
  const kubernetes = spec.kubernetes?.version;
  return {
    talos: typeof talos === "string" ? [talos] : [],
    kubernetes: typeof kubernetes === "string" ? [kubernetes] : [],
  };
}

/** The versions the nodes report (a node that did not answer is left out). */
export function currentVersionsOfNodes(
  nodes: readonly { talos?: string | undefined; kubelet?: string | undefined }[],
): CurrentVersions {
  return {
    talos: nodes.flatMap((n) => (n.talos ? [n.talos] : [])),
    kubernetes: nodes.flatMap((n) => (n.kubelet ? [n.kubelet.replace(/^v/, "")] : [])),
  };
}

/**
 * Throws a {@link ConfigError} (exit 2) when the cluster running `current` may not move to the desired state's
 * versions: a downgrade across minors, a skipped minor, or a Talos the cluster's Kubernetes cannot run meanwhile.
 */
export function assertVersionChange(current: CurrentVersions, desired: DesiredState, source: ConfigSource): void {
  const problems = checkVersionChange(current, {
    talos: desired.talos.version,
    kubernetes: desired.kubernetes.version,
  });
  if (problems.length === 0) return;
  throw new ConfigError(source.path, problems.map((p) => toConfigProblem(p, source)), {
    hint: "Set talos_version / kubernetes_version in the file to an allowed version: the cluster moves one minor " +
      "per apply, never back",
  });
}

function toConfigProblem(problem: VersionProblem, source: ConfigSource): ConfigProblem {
  const at = source.positions?.[problem.field];
  // A field the file leaves out gets its default (this k8zner's, or the one that pairs with the other field): say
  // so, and point at the top of the file.
  const message = at ? problem.message : `not set, so its default applies: ${problem.message}`;
  return { path: problem.field, line: at?.line ?? 1, column: at?.column ?? 1, message, allowed: problem.allowed };
}

/** A version change of the spec: `from` as the live spec has it, `to` as apply writes it. */
export interface VersionChange {
  talos?: { from: string; to: string };
  kubernetes?: { from: string; to: string };
}

/** E.g. `Talos v1.12.6 -> v1.13.9, Kubernetes 1.35.2 -> 1.36.3: the operator rolls the nodes one at a time`. */
export function describeVersionChange(change: VersionChange): string {
  const parts: string[] = [];
  if (change.talos) parts.push(`Talos ${change.talos.from} -> ${change.talos.to}`);
  if (change.kubernetes) parts.push(`Kubernetes ${change.kubernetes.from} -> ${change.kubernetes.to}`);
  return `${parts.join(", ")}: the operator rolls the nodes one at a time`;
}
