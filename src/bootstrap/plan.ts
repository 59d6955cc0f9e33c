/**
 * `computeApplyPlan()`: the read-only half of `apply`. One discovery pass, the caller's IP when the
 * allowlist is empty, the live `K8znerCluster` through the kubeconfig in the cluster's secrets
 * directory (pointed, in memory, at the API found by the discovery), and live prices; only `GET`
 * requests, and no file is written.
 *
 * @module
 */
import { expandSpec, type Spec } from "../config/mod.ts";
import { selectorFor } from "../hcloud/mod.ts";
import { type CostReport, estimateCost } from "../cluster/cost/cost.ts";
import { kubeApiServerUrl, liveEndpointsOf } from "../cluster/credentials/client_endpoints.ts";
import { discoverCluster } from "../cluster/infra/discover.ts";
import { planTalosImage } from "../cluster/image/plan_image.ts";
import type { ApplyDeps } from "./apply_deps.ts";
import { type ApplyPlan, buildApplyPlan, planClusterSpec, renderDesiredClusterSpec } from "./apply_plan.ts";
import { findLiveCluster } from "./live_cluster.ts";
import { SCHEMATIC_ID } from "../cluster/nodes/node_config.ts";
import { readNodeVersions } from "./node_versions.ts";
import { planRollout } from "../cluster/upgrade/rollout.ts";
import {
  assertVersionChange,
  type ConfigSource,
  currentVersionsOfNodes,
  currentVersionsOfSpec,
} from "./version_gate.ts";

/** A plan with its costs. */
export interface PlanResult {
  plan: ApplyPlan;
  costs: CostReport;
}

/** Computes what `apply` would do for `spec`. */
export async function computeApplyPlan(
  deps: ApplyDeps,
  options: { spec: Spec; secretsDir: string; config?: ConfigSource },
): Promise<PlanResult> {
  const desired = expandSpec(options.spec);
  const name = desired.cluster.name;
  // The live lookup waits for the discovery: the kubeconfig on disk may name a load balancer that is gone.
  const observedAndLive = discoverCluster(deps.hc, name, { desired }).then(async (observed) => {
    const apiServer = kubeApiServerUrl(liveEndpointsOf(observed), desired.loadBalancer.access);
    return {
      observed,
      live: await findLiveCluster(deps, { secretsDir: options.secretsDir, clusterName: name, apiServer }),
    };
  });
  const [{ observed, live }, callerIp, pricing, snapshots] = await Promise.all([
    observedAndLive,
    desired.firewall.needsCallerIp ? deps.detectCallerIp() : Promise.resolve(undefined),
    deps.hc.pricing.get(),
    deps.hc.images.listSnapshots(selectorFor(desired.talos.snapshotLabels)),
  ]);
  try {
    // A running cluster: what each node runs (for the rollout), and whether the config may move it there.
    const nodes = observed.servers.length === 0 ? [] : await readNodeVersions(deps, {
      clusterName: name,
      secretsDir: options.secretsDir,
      servers: observed.servers,
      ...(live.kube ? { kube: live.kube } : {}),
    });
    const current = live.object ? currentVersionsOfSpec(live.object) : currentVersionsOfNodes(nodes);
    assertVersionChange(current, desired, options.config ?? { path: "k8zner.yaml" });
    const cluster = planClusterSpec(renderDesiredClusterSpec(desired, callerIp), live.object, live.note);
    const plan = buildApplyPlan(desired, observed, { ...(callerIp ? { callerIp } : {}), cluster });
    if (nodes.length > 0 && cluster.state !== "create") {
      plan.rollout = planRollout(nodes, { talos: desired.talos.version, kubernetes: desired.kubernetes.version });
    }
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
