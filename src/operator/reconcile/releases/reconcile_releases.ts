/**
 * The releases of one phase, in catalog order: Helm's storage Secrets are read in one list per
 * namespace (label selector on the release names), each release is reconciled, and every release gets
 * a status entry even when another one failed.
 *
 * Order between releases: only the Hetzner CCM gates others. Until it runs, every Node carries
 * `node.cloudprovider.kubernetes.io/uninitialized:NoSchedule`, so no pod of a later release could start
 * and its `helm --wait` would only burn the timeout; the CSI driver also needs the topology labels the CCM
 * puts on Nodes, and Traefik's load balancer is the CCM's work. The others do not depend on each other: a
 * failing CSI install must not keep metrics-server from being installed, and Argo CD's and Grafana's
 * ingresses are valid objects before Traefik or cert-manager run (they act on them once they do).
 *
 * @module
 */
import type { AddonRelease } from "../../../addons/catalog.ts";
import { helmReleaseSelector, releaseHistories, type ReleaseRevision } from "../../../addons/helm/mod.ts";
import type { ReconcileContext } from "../context.ts";
import { reconcileRelease, type ReleaseOutcome } from "./reconcile_release.ts";

/** Release name of the Hetzner cloud controller manager. */
export const CCM_RELEASE = "hcloud-cloud-controller-manager";

/** Releases that wait until another release of the same pass is deployed and current. */
export const RELEASE_WAITS_FOR: Readonly<Record<string, readonly string[]>> = {
  "hcloud-csi": [CCM_RELEASE],
  "metrics-server": [CCM_RELEASE],
  "cert-manager": [CCM_RELEASE],
  "traefik": [CCM_RELEASE],
  "external-dns": [CCM_RELEASE],
  "argo-cd": [CCM_RELEASE],
  "kube-prometheus-stack": [CCM_RELEASE],
};

/** Reads the stored revisions of `releases`: one Secret list per namespace. */
export async function readReleaseHistories(
  ctx: ReconcileContext,
  releases: readonly AddonRelease[],
): Promise<Map<string, ReleaseRevision[]>> {
  const byNamespace = new Map<string, string[]>();
  for (const r of releases) byNamespace.set(r.namespace, [...(byNamespace.get(r.namespace) ?? []), r.name]);
  const out = new Map<string, ReleaseRevision[]>();
  for (const [namespace, names] of byNamespace) {
    // Labels are all it reads: metadata only, not the release payloads (hundreds of KB for Cilium, per revision).
    const secrets = await ctx.kube.listMetadata("v1", "Secret", namespace, {
      labelSelector: helmReleaseSelector(names),
    });
    for (const [name, revisions] of releaseHistories(secrets)) if (names.includes(name)) out.set(name, revisions);
  }
  return out;
}

/** Options of {@link reconcileReleases}. */
export interface ReconcileReleasesOptions {
  /** Releases that must not run in this pass, by name: the sentence why (e.g. a Secret they read is missing). */
  blockedBy?: Readonly<Record<string, string>>;
}

/** Reconciles `releases` in order; `installOrderBase` numbers them for doctor. */
export async function reconcileReleases(
  ctx: ReconcileContext,
  releases: readonly AddonRelease[],
  installOrderBase = 0,
  options: ReconcileReleasesOptions = {},
): Promise<ReleaseOutcome[]> {
  if (releases.length === 0) return [];
  const histories = await readReleaseHistories(ctx, releases);
  const outcomes: ReleaseOutcome[] = [];
  const ready = new Set<string>();
  for (const [i, release] of releases.entries()) {
    const missing = (RELEASE_WAITS_FOR[release.name] ?? []).filter(
      (dep) => releases.some((r) => r.name === dep) && !ready.has(dep),
    );
    const blockedBy = missing.length > 0 ? `Waits for ${missing.join(", ")}` : options.blockedBy?.[release.name];
    const outcome = await reconcileRelease(ctx, release, histories.get(release.name) ?? [], {
      installOrder: installOrderBase + i + 1,
      ...(blockedBy ? { blockedBy } : {}),
    });
    if (outcome.ready) ready.add(release.name);
    outcomes.push(outcome);
  }
  return outcomes;
}
