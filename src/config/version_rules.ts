/**
 * Which Talos and Kubernetes versions a cluster may run and move to: the pinned-or-default pair of a
 * config ({@link resolveVersions}), whether Talos runs a Kubernetes version ({@link runsOn}), and the
 * rules of a change against what a live cluster runs ({@link checkVersionChange}): never back across a
 * minor, never past one (Kubernetes supports one minor per upgrade; Talos upgrades are tested one minor
 * at a time, so k8zner holds Talos to the same). Pure; the tables are in `versions.ts`.
 *
 * @module
 */
import {
  KUBERNETES_MINORS_BY_TALOS_MINOR,
  KUBERNETES_VERSION,
  SUPPORTED_KUBERNETES_VERSIONS,
  SUPPORTED_TALOS_VERSIONS,
  TALOS_VERSION,
} from "./versions.ts";

/** A Talos version this CLI supports. */
export type TalosVersion = typeof SUPPORTED_TALOS_VERSIONS[number];
/** A Kubernetes version this CLI supports. */
export type KubernetesVersion = typeof SUPPORTED_KUBERNETES_VERSIONS[number];

/** The two version fields of k8zner.yaml. */
export type VersionField = "talos_version" | "kubernetes_version";

/** `[major, minor, patch]` of `v1.13.9` or `1.36.3`; undefined for anything else. */
export function parseVersion(version: string): [number, number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(version.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/** `1.13` of `v1.13.9`; undefined when `version` is not a version. */
export function minorOf(version: string): string | undefined {
  const v = parseVersion(version);
  return v ? `${v[0]}.${v[1]}` : undefined;
}

/** Orders two versions (negative: `a` is older). Unparseable versions sort first. */
export function compareVersions(a: string, b: string): number {
  const x = parseVersion(a) ?? [-1, -1, -1];
  const y = parseVersion(b) ?? [-1, -1, -1];
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
}

/** True when Talos `talos` runs Kubernetes `kubernetes` ({@link KUBERNETES_MINORS_BY_TALOS_MINOR}). */
export function runsOn(talos: string, kubernetes: string): boolean {
  const minors = KUBERNETES_MINORS_BY_TALOS_MINOR[minorOf(talos) ?? ""] ?? [];
  return minors.includes(minorOf(kubernetes) ?? "");
}

/** The supported Kubernetes versions Talos `talos` runs, oldest first. */
export function kubernetesVersionsFor(talos: string): KubernetesVersion[] {
  return SUPPORTED_KUBERNETES_VERSIONS.filter((k) => runsOn(talos, k));
}

/** The supported Talos versions that run Kubernetes `kubernetes`, oldest first. */
export function talosVersionsFor(kubernetes: string): TalosVersion[] {
  return SUPPORTED_TALOS_VERSIONS.filter((t) => runsOn(t, kubernetes));
}

/**
 * The versions a config asks for: each pinned field as written, an unpinned one the newest supported
 * version that pairs with the other (so pinning only `talos_version: v1.12.6` gives Kubernetes 1.35.2,
 * not the default 1.36.3 that Talos 1.12 cannot run).
 */
export function resolveVersions(
  pins: { talos_version?: string; kubernetes_version?: string },
): { talos: string; kubernetes: string } {
  const talos = pins.talos_version ??
    (pins.kubernetes_version === undefined
      ? TALOS_VERSION
      : talosVersionsFor(pins.kubernetes_version).at(-1) ?? TALOS_VERSION);
  const kubernetes = pins.kubernetes_version ?? kubernetesVersionsFor(talos).at(-1) ?? KUBERNETES_VERSION;
  return { talos, kubernetes };
}

/** Why Talos `talos` cannot run Kubernetes `kubernetes`, or undefined when it can. */
export function explainPair(talos: string, kubernetes: string): string | undefined {
  if (runsOn(talos, kubernetes)) return undefined;
  const minors = KUBERNETES_MINORS_BY_TALOS_MINOR[minorOf(talos) ?? ""] ?? [];
  return `Kubernetes ${kubernetes} does not run on Talos ${talos} (Talos ${minorOf(talos)} runs Kubernetes ${
    minors.join(" and ") || "no version this CLI supports"
  })`;
}

/** One refused version change, on the config field that asks for it. */
export interface VersionProblem {
  field: VersionField;
  message: string;
  /** The versions this CLI could move the cluster to instead. */
  allowed: string;
}

/** What the cluster runs now: the spec's version, or every node's (nodes not yet read are left out). */
export interface CurrentVersions {
  talos: readonly string[];
  kubernetes: readonly string[];
}

/**
 * Refuses moving a cluster that runs `current` to `desired`: a downgrade across minors (against the newest
 * version any node or the spec runs), skipping a minor (against the oldest), and a Talos upgrade to a version
 * that cannot run the Kubernetes the cluster runs meanwhile (the operator upgrades Talos first, then
 * Kubernetes). A patch downgrade within a minor is allowed. Empty when the change is allowed.
 */
export function checkVersionChange(
  current: CurrentVersions,
  desired: { talos: string; kubernetes: string },
): VersionProblem[] {
  const problems: VersionProblem[] = [];
  const talos = checkOne("Talos", "talos_version", current.talos, desired.talos, SUPPORTED_TALOS_VERSIONS);
  if (talos) problems.push(talos);
  const kubernetes = checkOne(
    "Kubernetes",
    "kubernetes_version",
    current.kubernetes,
    desired.kubernetes,
    SUPPORTED_KUBERNETES_VERSIONS,
  );
  if (kubernetes) problems.push(kubernetes);
  if (talos === undefined && current.kubernetes.length > 0) {
    const running = [...current.kubernetes].sort(compareVersions);
    const blocked = running.find((k) => !runsOn(desired.talos, k));
    const talosMoves = current.talos.some((t) => minorOf(t) !== minorOf(desired.talos));
    if (blocked !== undefined && talosMoves) {
      problems.push({
        field: "talos_version",
        message: `${desired.talos} cannot run the cluster's Kubernetes ${blocked} during the rollout ` +
          `(the operator upgrades Talos before Kubernetes): ${explainPair(desired.talos, blocked)}; ` +
          "upgrade Kubernetes first, then Talos",
        // Staying on the Talos the cluster runs is always allowed; upgrade Kubernetes first, then Talos.
        allowed: [
          ...new Set([
            ...[...current.talos].sort(compareVersions),
            ...SUPPORTED_TALOS_VERSIONS.filter((t) => running.every((k) => runsOn(t, k))),
          ]),
        ].join(", "),
      });
    }
  }
  return problems;
}

function checkOne(
  product: "Talos" | "Kubernetes",
  field: VersionField,
  current: readonly string[],
  desired: string,
  supported: readonly string[],
): VersionProblem | undefined {
  const running = current.filter((v) => parseVersion(v) !== undefined).sort(compareVersions);
  const newest = running.at(-1);
  const oldest = running[0];
  const want = parseVersion(desired);
  if (newest === undefined || oldest === undefined || want === undefined) return undefined;
  const allowed = () => {
    const from = parseVersion(newest)!;
    const to = parseVersion(oldest)!;
    const ok = supported.filter((v) => {
      const p = parseVersion(v)!;
      return p[0] === from[0] && p[1] >= from[1] && p[0] === to[0] && p[1] <= to[1] + 1;
    });
    return ok.length > 0
      ? ok.join(", ")
      : `none of ${supported.join(", ")}: the cluster runs ${product} ${newest}, use a k8zner release that supports it`;
  };
  const top = parseVersion(newest)!;
  if (want[0] < top[0] || (want[0] === top[0] && want[1] < top[1])) {
    return {
      field,
      message: `${desired} would downgrade ${product} from ${newest}, which the cluster runs; ` +
        `${product} cannot go back across minors (a patch downgrade within ${minorOf(newest)} can)`,
      allowed: allowed(),
    };
  }
  const bottom = parseVersion(oldest)!;
  if (want[0] !== bottom[0] || want[1] > bottom[1] + 1) {
    const next = `${bottom[0]}.${bottom[1] + 1}`;
    const step = supported.filter((v) => minorOf(v) === next).at(-1);
    return {
      field,
      message: `${desired} would skip ${product} ${next}: the cluster runs ${oldest}, and ${product} moves one minor ` +
        `per upgrade${step ? ` (first ${step}, then ${desired})` : ""}`,
      allowed: allowed(),
    };
  }
  return undefined;
}
