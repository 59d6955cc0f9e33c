/**
 * `computeApplyPlan()`: the read-only half of `apply`. One discovery pass, the caller's IP when the
 * allowlist is empty, the live `K8znerCluster` through the kubeconfig in `./secrets/<cluster>/`,
 * and live prices; only `GET` requests.
 *
 * @module
 */
import { expandSpec, type Spec } from "../config/mod.ts";
import { selectorFor } from "../hcloud/mod.ts";
import { type CostReport, estimateCost } from "../cluster/cost.ts";
import { discoverCluster } from "../cluster/discover.ts";
import { planTalosImage } from "../cluster/plan_image.ts";
import type { ApplyDeps } from "./apply_deps.ts";
import { type ApplyPlan, buildApplyPlan, planClusterSpec, renderDesiredClusterSpec } from "./apply_plan.ts";
import { findLiveCluster } from "./live_cluster.ts";
import { SCHEMATIC_ID } from "./node_config.ts";

/** A plan with its costs. */
export interface PlanResult {
  plan: ApplyPlan;
  costs: CostReport;
}

/** Computes what `apply` would do for `spec`. */
export async function computeApplyPlan(
  deps: ApplyDeps,
  options: { spec: Spec; secretsDir: string },
): Promise<PlanResult> {
  const desired = expandSpec(options.spec);
  const name = desired.cluster.name;
  const [observed, callerIp, live, pricing, snapshots] = await Promise.all([
    discoverCluster(deps.hc, name, { desired }),
    desired.firewall.needsCallerIp ? deps.detectCallerIp() : Promise.resolve(undefined),
    findLiveCluster(deps, options.secretsDir, name),
    deps.hc.pricing.get(),
    deps.hc.images.listSnapshots(selectorFor(desired.talos.snapshotLabels)),
  ]);
  try {
    const cluster = planClusterSpec(renderDesiredClusterSpec(desired, callerIp), live.object, live.note);
    const plan = buildApplyPlan(desired, observed, { ...(callerIp ? { callerIp } : {}), cluster });
    // Only the bootstrap path (no cluster object yet) ensures the snapshot, exactly as apply does.
    if (cluster.state === "create") {
      plan.image = planTalosImage(
        { talosVersion: desired.talos.version, schematicId: SCHEMATIC_ID, arch: desired.talos.arch },
        snapshots,
        desired.cluster.region,
      );
    }
    const costs = estimateCost(desired, pricing, {
      servers: observed.servers,
      loadBalancers: [...observed.loadBalancers, ...observed.ccmLoadBalancers],
      snapshots,
    });
    return { plan, costs };
  } finally {
    live.kube?.close();
  }
}
