import { assertEquals, assertRejects } from "../../../tests/assert.ts";
import { type KubeClient, type KubeObject } from "../../kube/mod.ts";
import { renderOperatorManifests } from "../../addons/operator_manifests.ts";
import { retireLegacyCredentials } from "./credentials.ts";
import { withKubeClient } from "../../../tests/kube_fake/with_kube_client.ts";

const INPUT = {
  clusterName: "demo",
  image: "ghcr.io/k8zner/k8zner-operator:1.0.0",
  replicas: 1,
  hcloudToken: "token",
  talosSecretsYaml: "cluster: {}\n",
  talosconfig: "context: demo\n",
};

/** The pre-split layout: every credential in `k8zner-credentials`. */
const LEGACY: KubeObject = {
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name: "k8zner-credentials", namespace: "k8zner-system" },
  type: "Opaque",
  data: { "hcloud-token": btoa("token"), "talos-secrets": btoa("cluster: {}\n"), talosconfig: btoa("context: demo\n") },
};

const secretNames = async (kube: KubeClient) =>
  (await kube.list("v1", "Secret", "k8zner-system")).map((s) => s.metadata.name).sort();

Deno.test("retireLegacyCredentials() deletes the combined Secret once both split Secrets hold their keys", async () => {
  await withKubeClient(async (kube) => {
    const manifests = renderOperatorManifests(INPUT);
    await kube.applyServerSide(manifests.filter((o) => o.kind === "Namespace"));
    await kube.create(LEGACY);
    await kube.applyServerSide(manifests);
    assertEquals(await retireLegacyCredentials(kube), "deleted");
    assertEquals(await secretNames(kube), ["k8zner-cloud-credentials", "k8zner-talos-credentials"]);
    assertEquals(await retireLegacyCredentials(kube), "absent");
  });
});

Deno.test("retireLegacyCredentials() keeps the combined Secret while a split Secret is missing or incomplete", async () => {
  await withKubeClient(async (kube) => {
    const manifests = renderOperatorManifests(INPUT);
    await kube.applyServerSide(manifests.filter((o) => o.kind === "Namespace"));
    await kube.create(LEGACY);
    // Only the cloud Secret so far (e.g. apply was interrupted between the two).
    await kube.applyServerSide(manifests.filter((o) => o.metadata.name === "k8zner-cloud-credentials"));
    await assertRejects(
      () => retireLegacyCredentials(kube),
      Error,
      `Secret "k8zner-talos-credentials" does not exist yet`,
    );
    // A talos Secret without talosconfig is not enough either.
    const partial = manifests.find((o) => o.metadata.name === "k8zner-talos-credentials")!;
    await kube.create({ ...partial, data: { "talos-secrets": btoa("cluster: {}\n") } });
    await assertRejects(() => retireLegacyCredentials(kube), Error, "lacks talosconfig");
    assertEquals(await secretNames(kube), [
      "k8zner-cloud-credentials",
      "k8zner-credentials",
      "k8zner-talos-credentials",
    ]);
  });
});
