/**
 * Addons phase: the Secrets the Hetzner drivers read (`kube-system/hcloud`, the CSI encryption
 * passphrase created once), with monitoring the Prometheus operator CRDs (before any chart of the phase,
 * so kube-prometheus-stack and every chart's ServiceMonitor find them), with a domain the Cloudflare token
 * copies, then every release of the catalog's `Addons` phase in order (the CCM first; see
 * `releases/reconcile_releases.ts` for which waits for which), then with a domain the Let's Encrypt
 * ClusterIssuers once cert-manager answers. `AddonsReady` is True when each release is deployed with the
 * wanted chart version and values (and the issuers are applied). A converged cluster costs two Secret
 * GETs, one CRD metadata list with monitoring, with a domain one GET per token copy and one ClusterIssuer
 * list, and one list of Helm's release Secrets per namespace here, and starts no Helm process.
 *
 * @module
 */
import { addonReleases } from "../../../addons/catalog.ts";
import type { ReconcileContext, StepOutcome } from "../context.ts";
import type { PassState, PhaseStep } from "../phase_step.ts";
import { ensureCloudSecrets } from "../releases/cloud_secrets.ts";
import { ensureCrdBundle, PROMETHEUS_OPERATOR_BUNDLE } from "../releases/crd_bundle.ts";
import { blockedByMissingToken, ensureCloudflareSecrets } from "../releases/cloudflare_secrets.ts";
import { reconcileClusterIssuers } from "../releases/cluster_issuers.ts";
import { withDomainAddons } from "../releases/domain_summary.ts";
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
  // With a domain: the Cloudflare token where cert-manager and external-dns read it, before they install.
  const cloudflare = await ensureCloudflareSecrets(ctx);
  const blocked = blockedByMissingToken(cloudflare);
  const releases = addonReleases(ctx.desired).filter((r) => r.phase === "Addons");
  const cniCount = addonReleases(ctx.desired).filter((r) => r.phase === "CNI").length;
  const outcomes = await withTalosBackup(
    ctx,
    await reconcileReleases(ctx, releases, cniCount, { blockedBy: blocked }),
  );
  const issuers = await reconcileClusterIssuers(ctx, outcomes);
  const summary = withDomainAddons(releasesSummary(outcomes), { cloudflare, issuers, blocked });
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
    ...(summary.external ? { external: true } : {}),
    requeueAfterMs: summary.requeueAfterMs ?? ADDONS_POLL_MS,
    conditions: [{ type: "AddonsReady", status: "False", reason: summary.reason, message: summary.message }],
  };
}

/** The Addons phase step. */
export const addonsStep: PhaseStep = { name: "Addons", phase: "Addons", acts: true, run: reconcileAddons };
