import { noHelmAddons } from "../../tests/operator/scripted_helm.ts";
import { assertEquals, assertIncludes, assertOk } from "../../tests/assert.ts";
import { withKubeClient } from "../../tests/kube_fake/with_kube_client.ts";
import { CLUSTER_PHASES } from "../addons/k8zner_crd.ts";
import { expandSpec } from "../config/mod.ts";
import { createHcloudClient } from "../hcloud/mod.ts";
import type { KubeObject } from "../kube/mod.ts";
import { generateSecretsBundle, renderSecretsBundle } from "../talos/secrets_bundle.ts";
import { generateTalosconfig } from "../talos/talosconfig.ts";
import { createContextFactory, CredentialsError } from "./context_factory.ts";
import { createJsonLogger, EventRecorder, OperatorMetrics } from "./runtime/mod.ts";
import { parseTalosAddressMap } from "./talos_address_map.ts";

const NS = "k8zner-system";
const b64 = (text: string) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));
const cluster: KubeObject = {
  apiVersion: "k8zner.io/v1alpha1",
  kind: "K8znerCluster",
  metadata: { name: "demo", namespace: NS, generation: 1 },
  spec: { credentialsRef: { name: "cloud" }, talosCredentialsRef: { name: "talos" } },
};
const desired = expandSpec({ name: "demo", region: "fsn1", mode: "dev", workers: { count: 1, size: "cx23" } });

Deno.test("the context factory reads both Secrets, maps Talos endpoints and names a missing Secret or key", async () => {
  await withKubeClient(async (kube) => {
    await kube.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
    const tokens: string[] = [];
    const factory = createContextFactory({
      kube,
      events: new EventRecorder({ kube, component: "t", instance: "t" }),
      log: createJsonLogger({ write: () => {} }),
      metrics: new OperatorMetrics(CLUSTER_PHASES),
      hcloud: (token) => {
        tokens.push(token);
        return createHcloudClient({ token, fetch, sleep: () => Promise.resolve() });
      },
      talosAddressMap: parseTalosAddressMap("10.0.0.0/16=127.101.0.0/16"),
      nodesOf: () => [],
      requireLeadership: () => Promise.resolve(),
      signal: new AbortController().signal,
      now: Date.now,
      sleep: () => Promise.resolve(),
      addons: noHelmAddons(),
    });
    const missing = await factory.buildContext(cluster, desired, new Map()).then(() => undefined, (e) => e);
    assertOk(missing instanceof CredentialsError);
    assertEquals(missing.message, "Secret k8zner-system/cloud does not exist");

    await kube.create({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "cloud", namespace: NS },
      data: { "hcloud-token": b64("secret-token\n") },
    });
    await kube.create({ apiVersion: "v1", kind: "Secret", metadata: { name: "talos", namespace: NS }, data: {} });
    const noKeys = await factory.buildContext(cluster, desired, new Map()).then(() => undefined, (e) => e);
    assertEquals((noKeys as Error).message, 'Secret k8zner-system/talos has no key "talos-secrets", "talosconfig"');
    assertOk(!(noKeys as Error).message.includes("secret-token"));

    const now = new Date();
    const bundle = await generateSecretsBundle({ now });
    const talosconfig = await generateTalosconfig(bundle, { clusterName: "demo", endpoints: ["10.0.0.2"], now });
    await kube.patchMerge("v1", "Secret", "talos", NS, {
      data: { "talos-secrets": b64(renderSecretsBundle(bundle)), talosconfig: b64(talosconfig) },
    });
    const ctx = await factory.buildContext(cluster, desired, new Map());
    assertEquals(ctx.bundle.cluster.id, bundle.cluster.id);
    assertEquals(tokens, ["secret-token"]);
    assertEquals(ctx.talos.talosClient("10.0.1.5").endpoint, "127.101.1.5:50000");
    assertEquals(ctx.talos.maintenanceClient("10.0.0.2:50000").endpoint, "127.101.0.2:50000");
    assertIncludes(ctx.talos.talosClient("192.0.2.1").endpoint, "192.0.2.1:50000");
    // Unchanged Secrets: the same parsed credentials and Hetzner client, no new parsing.
    const again = await factory.buildContext(cluster, desired, new Map());
    assertOk(again.bundle === ctx.bundle && again.cloud === ctx.cloud);
    assertEquals(tokens.length, 1);
    // The Cloudflare token comes from the same Secret (same GET), and only when it holds one.
    assertEquals(ctx.cloudflareToken(), undefined);
    await kube.patchMerge("v1", "Secret", "cloud", NS, { data: { "cf-api-token": b64(" cf-token\n") } });
    const withDomain = await factory.buildContext(cluster, desired, new Map());
    assertEquals([withDomain.cloudflareToken(), withDomain.hcloudToken()], ["cf-token", "secret-token"]);
    assertEquals(tokens.length, 1);
  });
});
