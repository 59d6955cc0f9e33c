import { assertEquals, assertIncludes, assertOk } from "../../../../tests/assert.ts";
import { CF_TOKEN, startAddonsWorld } from "../../../../tests/operator/addons_fixture.ts";
import {
  CERT_MANAGER_CRDS_NEEDS,
  certManagerCrds,
  certManagerManifests,
} from "../../../../tests/operator/cert_manager_crds.ts";
import { requiring } from "../../../../tests/requirements.ts";
import { KubeError } from "../../../kube/mod.ts";
import {
  CERT_MANAGER_RELEASE,
  ISSUERS_RETRY_MS,
  reconcileClusterIssuers,
  WEBHOOK_POLL_MS,
  webhookUnavailable,
} from "./cluster_issuers.ts";
import type { ReleaseOutcome } from "./reconcile_release.ts";

const withCrds = requiring(await CERT_MANAGER_CRDS_NEEDS);
const ISSUERS = "/apis/cert-manager.io/v1/clusterissuers";
const STAGING = "letsencrypt-cloudflare-staging";
const PRODUCTION = "letsencrypt-cloudflare-production";
/** The message kube-apiserver answers with while the webhook Service has no ready endpoint (500 InternalError). */
const NO_ENDPOINTS = 'Internal error occurred: failed calling webhook "webhook.cert-manager.io": failed to call ' +
  'webhook: Post "https://cert-manager-webhook.cert-manager.svc:443/validate?timeout=30s": no endpoints available ' +
  'for service "cert-manager-webhook"';

function certManager(ready: boolean): ReleaseOutcome {
  return {
    name: CERT_MANAGER_RELEASE,
    ready,
    entry: {
      phase: ready ? "Installed" : "Installing",
      chartVersion: "v1.21.1",
      valuesHash: "h",
      attempts: 1,
      lastError: "",
      retryAt: "",
      message: "",
      lastTransitionTime: "2026-12-01T10:00:00Z",
      installOrder: 5,
    },
  };
}

async function domainWorld() {
  const world = await startAddonsWorld({ domain: "example.com" });
  for (const crd of await certManagerCrds()) world.api.store.put(crd);
  return world;
}

Deno.test("reconcileClusterIssuers() is not run without a domain and makes no request", async () => {
  await using world = await startAddonsWorld();
  const ctx = await world.context();
  const before = world.api.requests.length;
  assertEquals(await reconcileClusterIssuers(ctx, [certManager(true)]), undefined);
  assertEquals(world.api.requests.length, before);
});

Deno.test(
  withCrds(
    "reconcileClusterIssuers() waits for cert-manager, then for its webhook, applies once it answers, then only lists",
    async () => {
      await using world = await domainWorld();
      // cert-manager not deployed yet: nothing asked of the API.
      let ctx = await world.context();
      let before = world.api.requests.length;
      const pending = await reconcileClusterIssuers(ctx, [certManager(false)]);
      assertEquals(pending, {
        ready: false,
        reason: "Installing",
        message: "The ClusterIssuers wait for the cert-manager release",
        applied: [],
      });
      assertEquals(world.api.requests.length, before);

      // Deployed, but the webhook has no endpoint yet: the apply is refused with the API server's error.
      world.api.failNext({ method: "PATCH", path: ISSUERS, code: 500, reason: "InternalError", message: NO_ENDPOINTS });
      const waiting = await reconcileClusterIssuers(await world.context(), [certManager(true)]);
      assertEquals(waiting, {
        ready: false,
        reason: "Installing",
        message:
          'Waiting for the cert-manager webhook before applying the ClusterIssuers (no endpoints available for service "cert-manager-webhook")',
        requeueAfterMs: WEBHOOK_POLL_MS,
        applied: [],
      });
      assertEquals(await world.kube.list("cert-manager.io/v1", "ClusterIssuer"), []);

      // It answers: both are applied.
      const applied = await reconcileClusterIssuers(await world.context(), [certManager(true)]);
      assertEquals(applied, {
        ready: true,
        message: `ClusterIssuers ${STAGING} and ${PRODUCTION} applied`,
        applied: [STAGING, PRODUCTION],
      });
      const stored = await world.kube.list("cert-manager.io/v1", "ClusterIssuer");
      assertEquals(stored.map((i) => i.metadata.name).sort(), [PRODUCTION, STAGING]);
      const acme = (stored.find((i) => i.metadata.name === PRODUCTION)!.spec as { acme: Record<string, unknown> }).acme;
      assertEquals([acme.email, acme.server], ["admin@example.com", "https://acme-v02.api.letsencrypt.org/directory"]);

      // Converged: one list, no apply, the same answer.
      for (let i = 0; i < 3; i++) {
        ctx = await world.context();
        before = world.api.requests.length;
        const again = await reconcileClusterIssuers(ctx, [certManager(true)]);
        assertEquals(again, { ...applied, applied: [] });
        assertEquals(world.api.requests.slice(before).map((r) => `${r.method} ${r.path}`), [`GET ${ISSUERS}`]);
      }

      // A hand edit of one issuer is undone; only that one is applied.
      await world.kube.patchMerge("cert-manager.io/v1", "ClusterIssuer", STAGING, undefined, {
        spec: { acme: { email: "someone@else.example" } },
      });
      assertEquals((await reconcileClusterIssuers(await world.context(), [certManager(true)]))?.applied, [STAGING]);

      // Another cert_email: both follow.
      world.spec = { ...world.spec, cert_email: "ops@example.com" };
      assertEquals((await reconcileClusterIssuers(await world.context(), [certManager(true)]))?.applied, [
        STAGING,
        PRODUCTION,
      ]);
      for (const issuer of await world.kube.list("cert-manager.io/v1", "ClusterIssuer")) {
        assertEquals((issuer.spec as { acme: { email: string } }).acme.email, "ops@example.com");
      }
      const events = (await world.events()).filter((e) => e.reason === "ClusterIssuersApplied");
      // One per apply (the recorder counts repeats of the same message on one Event).
      assertEquals(events.reduce((n, e) => n + e.count, 0), 3);
      for (const text of [...world.logs, ...events.map((e) => e.message)]) assertOk(!text.includes(CF_TOKEN));
    },
  ),
);

Deno.test(
  withCrds(
    "reconcileClusterIssuers() against cert-manager's own webhook configuration: not yet while its Service has no ready endpoint, applied once it has",
    async () => {
      await using world = await domainWorld();
      const store = world.api.store;
      store.put({ apiVersion: "v1", kind: "Namespace", metadata: { name: "cert-manager" } });
      // What the chart installs besides the CRDs that decides whether the API server can call the webhook.
      const webhookObjects = (await certManagerManifests()).filter((o) =>
        o.kind.endsWith("WebhookConfiguration") || (o.kind === "Service" && o.metadata.name === "cert-manager-webhook")
      );
      assertEquals(webhookObjects.length, 3);
      for (const o of webhookObjects) store.put(o);
      const slice = (ready: boolean) => ({
        apiVersion: "discovery.k8s.io/v1",
        kind: "EndpointSlice",
        metadata: {
          name: "cert-manager-webhook-x7k2p",
          namespace: "cert-manager",
          labels: { "kubernetes.io/service-name": "cert-manager-webhook" },
        },
        addressType: "IPv4",
        endpoints: [{ addresses: ["10.244.1.9"], conditions: { ready } }],
        ports: [{ name: "https", port: 10250, protocol: "TCP" }],
      });

      // The webhook's pod exists but is not ready yet.
      store.put(slice(false));
      for (let pass = 0; pass < 2; pass++) {
        const waiting = await reconcileClusterIssuers(await world.context(), [certManager(true)]);
        assertEquals([waiting?.ready, waiting?.reason, waiting?.requeueAfterMs], [
          false,
          "Installing",
          WEBHOOK_POLL_MS,
        ]);
        assertEquals(
          waiting?.message,
          'Waiting for the cert-manager webhook before applying the ClusterIssuers (no endpoints available for service "cert-manager-webhook")',
        );
      }
      assertEquals(await world.kube.list("cert-manager.io/v1", "ClusterIssuer"), []);

      store.put(slice(true));
      const applied = await reconcileClusterIssuers(await world.context(), [certManager(true)]);
      assertEquals([applied?.ready, applied?.applied], [true, [STAGING, PRODUCTION]]);
      assertEquals((await world.kube.list("cert-manager.io/v1", "ClusterIssuer")).length, 2);
    },
  ),
);

Deno.test(
  withCrds(
    "reconcileClusterIssuers() reports another refusal as it is, retried later, never as the webhook",
    async () => {
      await using world = await domainWorld();
      world.api.failNext({
        method: "PATCH",
        path: ISSUERS,
        code: 403,
        reason: "Forbidden",
        message: 'clusterissuers.cert-manager.io "letsencrypt-cloudflare-staging" is forbidden: denied by policy',
      });
      const outcome = await reconcileClusterIssuers(await world.context(), [certManager(true)]);
      assertEquals([outcome?.ready, outcome?.reason, outcome?.requeueAfterMs], [
        false,
        "IssuersFailed",
        ISSUERS_RETRY_MS,
      ]);
      assertIncludes(outcome!.message, "The ClusterIssuers are not applied: ");
      assertIncludes(outcome!.message, "is forbidden: denied by policy");
      // The next pass applies them.
      assertEquals((await reconcileClusterIssuers(await world.context(), [certManager(true)]))?.ready, true);
    },
  ),
);

Deno.test("webhookUnavailable() recognises the API server's webhook failures and nothing else", () => {
  const err = (status: number, message: string) => new KubeError(status, "InternalError", `Cannot apply x: ${message}`);
  assertEquals(webhookUnavailable(err(500, NO_ENDPOINTS)), {
    webhook: "webhook.cert-manager.io",
    cause: 'no endpoints available for service "cert-manager-webhook"',
  });
  // The serving certificate not trusted yet (cainjector has not patched the CA bundle in).
  const untrusted = 'Internal error occurred: failed calling webhook "webhook.cert-manager.io": failed to call ' +
    'webhook: Post "https://cert-manager-webhook.cert-manager.svc:443/validate?timeout=30s": tls: failed to ' +
    "verify certificate: x509: certificate signed by unknown authority";
  assertEquals(
    webhookUnavailable(err(500, untrusted))?.cause,
    "tls: failed to verify certificate: x509: certificate signed by unknown authority",
  );
  assertEquals(webhookUnavailable(err(500, "Internal error occurred: etcdserver: request timed out")), undefined);
  // The webhook answered and said no: a real refusal, reported as it is.
  const denied = new KubeError(
    400,
    "BadRequest",
    'admission webhook "webhook.cert-manager.io" denied the request: spec.acme.email: Invalid value: "x"',
  );
  assertEquals(webhookUnavailable(denied), undefined);
  assertEquals(webhookUnavailable(err(422, NO_ENDPOINTS)), undefined);
  assertEquals(webhookUnavailable(new Error(NO_ENDPOINTS)), undefined);
});
