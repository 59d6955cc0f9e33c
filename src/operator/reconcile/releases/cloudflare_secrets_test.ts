import { assertEquals, assertIncludes, assertOk } from "../../../../tests/assert.ts";
import { CF_TOKEN, NS, startAddonsWorld } from "../../../../tests/operator/addons_fixture.ts";
import type { AddonRelease } from "../../../addons/catalog.ts";
import { CHARTS } from "../../../config/versions.ts";
import type { KubeObject } from "../../../kube/mod.ts";
import { blockedByMissingToken, ensureCloudflareSecrets } from "./cloudflare_secrets.ts";
import { reconcileReleases } from "./reconcile_releases.ts";

const token = (secret: KubeObject | undefined) =>
  atob(((secret?.data ?? {}) as Record<string, string>)["api-token"] ?? "");

Deno.test("ensureCloudflareSecrets() makes no request and reports nothing without a domain", async () => {
  await using world = await startAddonsWorld();
  world.cloudflareToken = CF_TOKEN; // even with a token at hand
  const ctx = await world.context();
  const before = world.api.requests.length;
  assertEquals(await ensureCloudflareSecrets(ctx), undefined);
  assertEquals(world.api.requests.length, before);
});

Deno.test("ensureCloudflareSecrets() creates both namespaces and copies, then costs two GETs; a new token reaches both", async () => {
  await using world = await startAddonsWorld({ domain: "example.com" });
  assertEquals(await ensureCloudflareSecrets(await world.context()), { written: ["cert-manager", "external-dns"] });
  for (const ns of ["cert-manager", "external-dns"]) {
    assertEquals(token(await world.kube.get("v1", "Secret", "cloudflare-api-token", ns)), CF_TOKEN);
    const namespace = await world.kube.get("v1", "Namespace", ns);
    assertEquals(namespace?.metadata.labels?.["k8zner.io/managed-by"], "k8zner");
  }

  // Converged: one GET per copy, nothing written.
  for (let i = 0; i < 3; i++) {
    const ctx = await world.context();
    const before = world.api.requests.length;
    assertEquals(await ensureCloudflareSecrets(ctx), { written: [] });
    assertEquals(
      world.api.requests.slice(before).map((r) => `${r.method} ${r.path}`),
      [
        "GET /api/v1/namespaces/cert-manager/secrets/cloudflare-api-token",
        "GET /api/v1/namespaces/external-dns/secrets/cloudflare-api-token",
      ],
    );
  }

  // A new CF_API_TOKEN at apply: both copies follow in the next pass.
  const rotated = "Rt".repeat(20);
  world.cloudflareToken = rotated;
  assertEquals(await ensureCloudflareSecrets(await world.context()), { written: ["cert-manager", "external-dns"] });
  for (const ns of ["cert-manager", "external-dns"]) {
    assertEquals(token(await world.kube.get("v1", "Secret", "cloudflare-api-token", ns)), rotated);
  }

  // A copy deleted by hand comes back; its namespace (e.g. made by Helm meanwhile) is kept as it is.
  assertOk(await world.kube.delete("v1", "Secret", "cloudflare-api-token", "external-dns"));
  assertEquals(await ensureCloudflareSecrets(await world.context()), { written: ["external-dns"] });
  assertEquals(token(await world.kube.get("v1", "Secret", "cloudflare-api-token", "external-dns")), rotated);

  const events = await world.events();
  assertEquals(
    events.filter((e) => e.reason === "CloudflareSecretWritten").map((e) => e.message).sort(),
    [
      "Cloudflare API token Secret created cert-manager/cloudflare-api-token, external-dns/cloudflare-api-token",
      "Cloudflare API token Secret created external-dns/cloudflare-api-token",
      "Cloudflare API token Secret updated cert-manager/cloudflare-api-token, external-dns/cloudflare-api-token " +
      "to the current token",
    ],
  );
  for (const text of [...world.logs, ...events.map((e) => e.message)]) {
    assertOk(!text.includes(CF_TOKEN) && !text.includes(rotated) && !text.includes(btoa(rotated)), text);
  }
});

Deno.test("ensureCloudflareSecrets() without a token names the Secret and key and writes nothing; external-dns then waits", async () => {
  await using world = await startAddonsWorld({ domain: "example.com" });
  world.cloudflareToken = undefined;
  const ctx = await world.context();
  const before = world.api.requests.length;
  const result = await ensureCloudflareSecrets(ctx);
  assertEquals(world.api.requests.length, before, "no request");
  assertEquals(
    result?.missing,
    `Secret ${NS}/k8zner-cloud-credentials has no key "cf-api-token", the Cloudflare API token that domain ` +
      "example.com needs: run k8zner apply with CF_API_TOKEN set",
  );

  // The release that reads the token is not run (its pod could not start); the others are.
  const release = (name: string, namespace: string, chart: AddonRelease["chart"]): AddonRelease => ({
    name,
    namespace,
    chart,
    phase: "Addons",
    values: {},
    timeoutSeconds: 60,
  });
  const outcomes = await reconcileReleases(
    ctx,
    [
      release("cert-manager", "cert-manager", CHARTS.certManager),
      release("external-dns", "external-dns", CHARTS.externalDns),
    ],
    1,
    { blockedBy: blockedByMissingToken(result) },
  );
  assertEquals(world.helm.calls.map((c) => c.release), ["cert-manager"]);
  const externalDns = outcomes.find((o) => o.name === "external-dns")!;
  assertEquals([externalDns.ready, externalDns.entry.phase], [false, "Pending"]);
  assertIncludes(externalDns.entry.message, 'Waits for the Cloudflare API token (key "cf-api-token")');
  assertEquals(blockedByMissingToken({ written: [] }), {});
});
