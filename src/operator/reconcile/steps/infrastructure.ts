/**
 * Infrastructure phase: network, firewall, API load balancer, placement groups and SSH key, by the
 * same `discoverCluster` + `ensureInfrastructure` apply uses. Within the Hetzner budget (at most 12
 * requests an idle hour) it runs on the first pass of a process, when a spec change moved what it
 * ensures (the infrastructure part of the desired state), and otherwise every 6 h; in between the last
 * result is kept in `ctx.memory`. A change of worker count alone keeps it (the 8 GETs of discovery
 * would otherwise cost more than the new servers): unless it needs another worker placement group.
 * The first pass after apply's hand-over takes apply's record of what it ensured instead
 * (`infrastructure_record.ts`) when it is for the same infrastructure and younger than 6 h.
 *
 * @module
 */
import { discoverCluster } from "../../../cluster/infra/discover.ts";
import { ensureInfrastructure, type InfrastructureResult } from "../../../cluster/infra/ensure_infrastructure.ts";
import type { ReconcileContext, StepOutcome } from "../context.ts";
import type { PassState, PhaseStep } from "../phase_step.ts";
import { eventingProgress } from "./progress_events.ts";
import {
  infrastructureFingerprint,
  isRecordFresh,
  readInfrastructureRecord,
} from "../../../cluster/handover/infrastructure_record.ts";

/** How long an ensured infrastructure is trusted without asking Hetzner again. */
export const INFRASTRUCTURE_RECHECK_MS = 6 * 60 * 60_000;
const MEMORY_KEY = "infrastructure";

interface Remembered {
  result: InfrastructureResult;
  /** `infrastructureFingerprint` of the desired state it was ensured for. */
  fingerprint: string;
  at: number;
}

function statusOf(infra: InfrastructureResult): Record<string, unknown> {
  const lb = infra.loadBalancer;
  const lbPrivate = lb.private_net?.[0]?.ip;
  // Where the Kubernetes API answers (doctor prints it): the load balancer's public IPv4, or its private IP
  // when it has no public interface (`api_load_balancer: private`).
  // A disabled public interface keeps its address at Hetzner, but nothing answers there.
  const lbPublic = lb.public_net?.enabled !== false ? lb.public_net?.ipv4?.ip ?? undefined : undefined;
  const endpoint = lbPublic ?? lbPrivate;
  return {
    ...(endpoint ? { controlPlaneEndpoint: endpoint } : {}),
    infrastructure: {
      networkID: infra.network.id,
      firewallID: infra.firewall.id,
      loadBalancerID: lb.id,
      ...(lbPublic ? { loadBalancerIP: lbPublic } : {}),
      ...(lbPrivate ? { loadBalancerPrivateIP: lbPrivate } : {}),
      placementGroupIDs: [...infra.placementGroups.values()].map((g) => g.id).sort((a, b) => a - b),
      networkReady: true,
      firewallReady: true,
      loadBalancerReady: true,
    },
  };
}

/** Ensures (or recalls) the infrastructure and reports `InfrastructureReady`. */
export async function reconcileInfrastructure(ctx: ReconcileContext, pass: PassState): Promise<StepOutcome> {
  const fingerprint = infrastructureFingerprint(ctx.desired);
  const remembered = ctx.memory.get(MEMORY_KEY) as Remembered | undefined;
  const fresh = remembered !== undefined && remembered.fingerprint === fingerprint &&
    ctx.now() - remembered.at < INFRASTRUCTURE_RECHECK_MS;
  // apply's record of what it ensured moments before the hand-over stands in for a first check.
  const record = fresh ? undefined : readInfrastructureRecord(ctx.cluster);
  const handedOver = record !== undefined &&
    isRecordFresh(record, ctx.desired, ctx.now(), INFRASTRUCTURE_RECHECK_MS);
  let result: InfrastructureResult;
  if (fresh) {
    result = remembered.result;
  } else if (handedOver) {
    result = record.result;
    ctx.memory.set(MEMORY_KEY, { result, fingerprint, at: record.at } satisfies Remembered);
    ctx.log.info("infrastructure as apply ensured it", { ensuredAt: new Date(record.at).toISOString() });
  } else {
    if (ctx.desired.firewall.needsCallerIp) {
      // apply always records an allowlist; without one the firewall would lock everybody out.
      return {
        done: false,
        conditions: [{
          type: "InfrastructureReady",
          status: "False",
          reason: "NoApiAllowlist",
          message: "spec.apiAllowlist is empty: set the CIDRs allowed to reach ports 6443 and 50000",
        }],
      };
    }
    const observed = await discoverCluster(ctx.cloud.hc, ctx.desired.cluster.name, {
      desired: ctx.desired,
      sleep: (ms) => ctx.sleep(ms, ctx.signal),
    });
    result = await ensureInfrastructure(
      ctx.cloud,
      ctx.desired,
      observed,
      eventingProgress(ctx, "InfrastructureChanged"),
    );
    ctx.memory.set(MEMORY_KEY, { result, fingerprint, at: ctx.now() } satisfies Remembered);
    ctx.log.info("infrastructure ensured", { generation: ctx.cluster.metadata.generation ?? 0 });
  }
  pass.infra = result;
  return {
    done: true,
    conditions: [{
      type: "InfrastructureReady",
      status: "True",
      reason: "Provisioned",
      message: "Network, firewall, API load balancer and placement groups exist as planned",
    }],
    status: statusOf(result),
  };
}

/** The Infrastructure phase step. */
export const infrastructureStep: PhaseStep = {
  name: "Infrastructure",
  phase: "Infrastructure",
  acts: true,
  run: reconcileInfrastructure,
};
