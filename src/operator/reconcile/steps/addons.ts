/**
 * Addons phase: the Secrets the Hetzner drivers read (`kube-system/hcloud`, the CSI encryption
 * passphrase created once), with monitoring the Prometheus operator CRDs (before any chart of the phase,
 * so kube-prometheus-stack and every chart's ServiceMonitor find them), then every release of the
 * catalog's `Addons` phase in order (the CCM first; see `releases/reconcile_releases.ts` for which waits
 * for which). `AddonsReady` is True when each is deployed with the wanted chart version and values. A
 * converged cluster costs two Secret GETs, one CRD metadata list with monitoring, and one list of Helm's
 * release Secrets per namespace here, and starts no Helm process.
 *
 * @module
 */
import { addonReleases } from "../../../addons/catalog.ts";
import type { ReconcileContext, StepOutcome } from "../context.ts";
import type { PassState, PhaseStep } from "../phase_step.ts";
import { ensureCloudSecrets } from "../releases/cloud_secrets.ts";
import { ensureCrdBundle, PROMETHEUS_OPERATOR_BUNDLE } from "../releases/crd_bundle.ts";
import { reconcileReleases } from "../releases/reconcile_releases.ts";
import { releasesSummary } from "../releases/summary.ts";
import { withTalosBackup } from "../releases/talos_backup.ts";

/** Requeue while an addon is being waited for. */
export const ADDONS_POLL_MS = 10_000;

function networkIdOf(ctx: ReconcileContext, pass: PassState): number | undefined {
  const fromStatus = (ctx.cluster.status as { infrastructure?: { networkID?: number } } | undefined)?.infrastructure
    ?.networkID;
  return pass.infra?.network.id ?? fromStatus;
}

/** Reports `AddonsReady`. */
export async function reconcileAddons(ctx: ReconcileContext, pass: PassState): Promise<StepOutcome> {
  const networkId = networkIdOf(ctx, pass);
  if (networkId === undefined) {
    return {
      done: false,
      requeueAfterMs: ADDONS_POLL_MS,
      conditions: [{
        type: "AddonsReady",
        status: "False",
        reason: "Pending",
        message: "The network ID is not known yet (status.infrastructure.networkID)",
      }],
    };
  }
  await ensureCloudSecrets(ctx, networkId);
  if (ctx.desired.addons.kubePrometheusStack.enabled) await ensureCrdBundle(ctx, PROMETHEUS_OPERATOR_BUNDLE);
  const releases = addonReleases(ctx.desired).filter((r) => r.phase === "Addons");
  const cniCount = addonReleases(ctx.desired).filter((r) => r.phase === "CNI").length;
  const summary = releasesSummary(await withTalosBackup(ctx, await reconcileReleases(ctx, releases, cniCount)));
  const status = { addons: summary.entries };
  if (summary.ready) {
    return {
      done: true,
      status,
      conditions: [{ type: "AddonsReady", status: "True", reason: "Installed", message: summary.message }],
    };
  }
  return {
    done: false,
    status,
    requeueAfterMs: summary.requeueAfterMs ?? ADDONS_POLL_MS,
    conditions: [{ type: "AddonsReady", status: "False", reason: summary.reason, message: summary.message }],
  };
}

/** The Addons phase step. */
export const addonsStep: PhaseStep = { name: "Addons", phase: "Addons", acts: true, run: reconcileAddons };
