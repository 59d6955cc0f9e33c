/**
 * The Hetzner half of a bootstrap: Talos image ‖ infrastructure, then the first control plane.
 *
 * Hetzner can answer a request with a server error or lose the response after doing the work
 * (500, 503, 502, timeouts, a `locked` resource). The client only retries what is safe to repeat
 * blindly; everything else surfaces here. Because every step is an idempotent ensure over a fresh
 * discovery (ADR 0002), the safe answer to such a failure is to re-read the project and run the
 * steps again, a bounded number of times, instead of stopping the whole apply.
 *
 * @module
 */
import type { DesiredState } from "../config/mod.ts";
import type { Server } from "../hcloud/mod.ts";
import type { ProgressSink } from "../lib/progress.ts";
import { discoverCluster } from "../cluster/infra/discover.ts";
import { isTransientHcloudError } from "../cluster/infra/ensure_common.ts";
import { ensureInfrastructure, type InfrastructureResult } from "../cluster/infra/ensure_infrastructure.ts";
import { ensureServers } from "../cluster/nodes/ensure_servers.ts";
import { ensureTalosImage, type TalosImageResult } from "../cluster/image/ensure_image.ts";
import type { ObservedCluster } from "../cluster/infra/observed.ts";
import type { ApplyDeps } from "./apply_deps.ts";
import { ApplyFailedError } from "./apply_errors.ts";
import { firstControlPlaneName } from "./apply_plan.ts";
import { SCHEMATIC_ID } from "../cluster/nodes/node_config.ts";

/** How many discovery + ensure passes a run makes before a transient Hetzner failure stops it. */
export const CLOUD_PASSES = 5;

/** What the Hetzner half produced. */
export interface ProvisionedCloud {
  infra: InfrastructureResult;
  image: TalosImageResult;
  server: Server;
}

/** Inputs of {@link provisionCloud}. */
export interface ProvisionContext {
  desired: DesiredState;
  observed: ObservedCluster;
  callerIp: string | undefined;
  /** Human names of what exists; grows as steps succeed (shown when apply stops). */
  existing: string[];
}

/** Ensures image, infrastructure and the first control plane, re-discovering after transient failures. */
export async function provisionCloud(
  deps: ApplyDeps,
  progress: ProgressSink,
  ctx: ProvisionContext,
): Promise<ProvisionedCloud> {
  let observed = ctx.observed;
  for (let pass = 1;; pass++) {
    try {
      return await provisionOnce(deps, progress, { ...ctx, observed });
    } catch (err) {
      if (pass >= CLOUD_PASSES || !isTransientHcloudError(transientCause(err))) throw err;
      const code = (transientCause(err) as { code?: string }).code ?? "a lost response";
      progress.note(
        `Hetzner answered ${code} while ${err instanceof ApplyFailedError ? err.step : "provisioning"}; ` +
          `re-reading the project and resuming (pass ${pass + 1} of ${CLOUD_PASSES})`,
      );
      await deps.sleep(Math.min(2_000 * pass, 10_000));
      observed = await discoverCluster(deps.hc, ctx.desired.cluster.name, { desired: ctx.desired });
    }
  }
}

async function provisionOnce(
  deps: ApplyDeps,
  progress: ProgressSink,
  ctx: ProvisionContext,
): Promise<ProvisionedCloud> {
  const { desired, observed, existing } = ctx;
  const [imageResult, infraResult] = await Promise.allSettled([
    ensureTalosImage(
      { ...deps.image, hcloud: deps.hc },
      {
        talosVersion: desired.talos.version,
        schematicId: SCHEMATIC_ID,
        arch: desired.talos.arch,
        location: desired.cluster.region,
        ...(observed.project ? { project: observed.project } : {}),
      },
      progress.task("Talos image"),
    ),
    ensureInfrastructure(
      deps.cluster,
      desired,
      observed,
      progress,
      ctx.callerIp === undefined ? {} : { callerIp: ctx.callerIp },
    ),
  ]);
  if (infraResult.status === "fulfilled") existing.push(...describeInfra(infraResult.value));
  if (imageResult.status === "fulfilled") existing.push(`snapshot ${imageResult.value.imageId}`);
  if (imageResult.status === "rejected") {
    throw new ApplyFailedError("Talos image", unique(existing), imageResult.reason);
  }
  if (infraResult.status === "rejected") {
    throw new ApplyFailedError("Infrastructure", unique(existing), infraResult.reason);
  }
  const infra = infraResult.value;
  const image = imageResult.value;
  let server: Server;
  try {
    [server] = await ensureServers(deps.cluster, desired, observed, infra, {
      imageId: image.imageId,
      only: [firstControlPlaneName(desired)],
    }, progress.task("First control plane")) as [Server];
  } catch (err) {
    throw new ApplyFailedError("First control plane", unique(existing), err);
  }
  existing.push(`server ${server.name}`);
  return { infra, image, server };
}

/** The innermost error of a cause chain that says something about Hetzner (ApplyFailedError, ImageBuildError wrap it). */
export function transientCause(err: unknown): unknown {
  let current = err;
  for (let depth = 0; depth < 5; depth++) {
    if (isTransientHcloudError(current)) return current;
    if (!(current instanceof Error) || current.cause === undefined) break;
    current = current.cause;
  }
  return err;
}

function describeInfra(infra: InfrastructureResult): string[] {
  return [
    `network ${infra.network.name}`,
    `firewall ${infra.firewall.name}`,
    `load balancer ${infra.loadBalancer.name}`,
    ...[...infra.placementGroups.values()].map((p) => `placement group ${p.name}`),
  ];
}

function unique(items: readonly string[]): string[] {
  return [...new Set(items)];
}
