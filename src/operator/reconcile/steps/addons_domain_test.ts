/**
 * The Addons step of a cluster with a domain, through the real reconciler: the Cloudflare token copies
 * before the releases, the ClusterIssuers after cert-manager once its webhook answers, and what the status
 * says meanwhile. cert-manager's CRDs come from the pinned chart (the scripted Helm installs no objects).
 */
import { assertEquals, assertIncludes, assertOk } from "../../../../tests/assert.ts";
import {
  addonsOf,
  type AddonsWorld,
  CF_TOKEN,
  conditionOf,
  startAddonsWorld,
} from "../../../../tests/operator/addons_fixture.ts";
import { CERT_MANAGER_CRDS_NEEDS, certManagerCrds } from "../../../../tests/operator/cert_manager_crds.ts";
import { requiring } from "../../../../tests/requirements.ts";
import type { HelmRunOptions } from "../../../addons/helm/mod.ts";
import type { KubeObject } from "../../../kube/mod.ts";

const withCrds = requiring(await CERT_MANAGER_CRDS_NEEDS);
const ISSUERS = "/apis/cert-manager.io/v1/clusterissuers";
const NO_ENDPOINTS = 'Internal error occurred: failed calling webhook "webhook.cert-manager.io": failed to call ' +
  'webhook: Post "https://cert-manager-webhook.cert-manager.svc:443/validate?timeout=30s": no endpoints available ' +
  'for service "cert-manager-webhook"';
const WAITING =
  'Waiting for the cert-manager webhook before applying the ClusterIssuers (no endpoints available for service "cert-manager-webhook")';
const APPLIED = "ClusterIssuers letsencrypt-cloudflare-staging and letsencrypt-cloudflare-production applied";

const phaseOf = (cluster: KubeObject) => (cluster.status as { provisioningPhase?: string }).provisioningPhase;

/** Records, at each Helm run, whether the release's namespace already holds the token copy. */
function watchTokenAtInstall(world: AddonsWorld): Map<string, boolean> {
  const seen = new Map<string, boolean>();
  const run = world.helm.run.bind(world.helm);
  world.helm.run = (args: readonly string[], options: HelmRunOptions) => {
    const namespace = args[args.indexOf("--namespace") + 1]!;
    if (args[0] === "upgrade") {
      seen.set(
        args[2]!,
        world.api.store.listObjects("v1", "Secret", namespace).some((s) =>
          (s.metadata as { name?: string }).name === "cloudflare-api-token"
        ),
      );
    }
    return run(args, options);
  };
  return seen;
}

Deno.test(
  withCrds(
    "with a domain: token copies before the releases, issuers once the webhook answers, then a converged pass writes nothing",
    async () => {
      await using world = await startAddonsWorld({ domain: "example.com" });
      for (const crd of await certManagerCrds()) world.api.store.put(crd);
      const tokenAtInstall = watchTokenAtInstall(world);
      world.ciliumRuns();
      // The first apply of the issuers meets a webhook without endpoints.
      world.api.failNext({ method: "PATCH", path: ISSUERS, code: 500, reason: "InternalError", message: NO_ENDPOINTS });
      const first = await world.reconcile();
      let cluster = await world.cluster();
      assertEquals([tokenAtInstall.get("cert-manager"), tokenAtInstall.get("external-dns")], [true, true]);
      const waiting = conditionOf(cluster, "AddonsReady");
      assertEquals([waiting?.status, waiting?.reason, waiting?.message], [
        "False",
        "Installing",
        `cert-manager: ${WAITING}`,
      ]);
      const entry = addonsOf(cluster)["cert-manager"]!;
      assertEquals(entry.phase, "Installed", "the release is deployed; only the issuers wait");
      assertIncludes(String(entry.message), WAITING);
      assertEquals(phaseOf(cluster), "Addons");
      assertOk(first.requeueAfterMs !== undefined && first.requeueAfterMs <= 5_000, `requeue ${first.requeueAfterMs}`);

      await world.reconcile();
      cluster = await world.cluster();
      assertEquals(
        conditionOf(cluster, "AddonsReady")?.status,
        "True",
        JSON.stringify(conditionOf(cluster, "AddonsReady")),
      );
      assertIncludes(String(conditionOf(cluster, "AddonsReady")?.message), APPLIED);
      assertEquals(
        addonsOf(cluster)["cert-manager"]!.message,
        `Deployed with chart v1.21.1 and the wanted values; ${APPLIED}`,
      );
      assertEquals(phaseOf(cluster), "Running");
      assertEquals((await world.kube.list("cert-manager.io/v1", "ClusterIssuer")).length, 2);

      // Converged: no Helm, no write; per pass the domain adds two Secret GETs and one ClusterIssuer list.
      const calls = world.helm.calls.length;
      const before = world.api.requests.length;
      for (let i = 0; i < 5; i++) {
        world.now += 30_000;
        await world.reconcile();
      }
      const requests = world.api.requests.slice(before);
      assertEquals(world.helm.calls.length, calls);
      assertEquals(requests.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`), []);
      const domainReads = requests.filter((r) =>
        r.path.endsWith("/secrets/cloudflare-api-token") || r.path === ISSUERS
      );
      assertEquals(domainReads.length / 5, 3);
      // 10 reads of a dev cluster without a domain (releases_test.ts), external-dns' namespace list, and these 3.
      assertEquals(requests.length / 5, 14, requests.slice(0, 14).map((r) => `${r.method} ${r.path}`).join("\n"));

      const texts = [
        ...world.logs,
        ...(await world.events()).map((e) => e.message),
        JSON.stringify(cluster.status),
        ...world.helm.calls.map((c) => `${c.args.join(" ")} ${c.values ?? ""}`),
      ];
      for (const text of texts) {
        assertOk(!text.includes(CF_TOKEN) && !text.includes(btoa(CF_TOKEN)), text.slice(0, 200));
      }
    },
  ),
);

Deno.test(
  withCrds(
    "with a domain but no token: a clear condition, external-dns waits, the rest installs, and the token's arrival resumes",
    async () => {
      await using world = await startAddonsWorld({ domain: "example.com" });
      for (const crd of await certManagerCrds()) world.api.store.put(crd);
      world.cloudflareToken = undefined;
      world.ciliumRuns();
      await world.reconcile();
      let cluster = await world.cluster();
      const condition = conditionOf(cluster, "AddonsReady");
      assertEquals([condition?.status, condition?.reason], ["False", "CloudflareTokenMissing"]);
      assertEquals(
        condition?.message,
        'Secret k8zner-system/k8zner-cloud-credentials has no key "cf-api-token", the Cloudflare API token that domain ' +
          "example.com needs: run k8zner apply with CF_API_TOKEN set; " +
          'external-dns: Waits for the Cloudflare API token (key "cf-api-token")',
      );
      assertEquals(world.helm.callsOf("upgrade", "external-dns"), []);
      assertEquals(addonsOf(cluster)["external-dns"]?.phase, "Pending");
      assertEquals(addonsOf(cluster)["traefik"]?.phase, "Installed");
      // Only the user can help: the cluster stops saying it progresses (apply --wait ends), it never fails.
      assertEquals(conditionOf(cluster, "Progressing")?.status, "False");
      assertEquals(phaseOf(cluster), "Addons");

      world.cloudflareToken = CF_TOKEN;
      await world.reconcile();
      cluster = await world.cluster();
      assertEquals(
        conditionOf(cluster, "AddonsReady")?.status,
        "True",
        JSON.stringify(conditionOf(cluster, "AddonsReady")),
      );
      assertEquals(world.helm.callsOf("upgrade", "external-dns").length, 1);
    },
  ),
);
