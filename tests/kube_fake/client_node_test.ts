/**
 * The fake API server checked against @kubernetes/client-node used directly (typed APIs, custom
 * objects, server-side apply, watch), over plain HTTP and over HTTPS.
 */
import { makeSelfSignedCert, OPENSSL } from "./loopback_cert.ts";
import * as k8s from "@kubernetes/client-node";
import process from "node:process";
import { assertEquals, assertOk } from "../assert.ts";
import { startFakeKubeApi } from "./mod.ts";
import { requires } from "../requirements.ts";

process.noDeprecation = true;

const CRD = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "things.example.com" },
  spec: {
    group: "example.com",
    scope: "Cluster",
    names: { plural: "things", singular: "thing", kind: "Thing", listKind: "ThingList" },
    versions: [{
      name: "v1",
      served: true,
      storage: true,
      // A field the schema does not declare is unknown to the API server (pruned, or refused when strict).
      // client-node's typed serializer knows the extension by its TypeScript name only.
      schema: {
        openAPIV3Schema: {
          type: "object",
          properties: { spec: { type: "object", x_kubernetes_preserve_unknown_fields: true } },
        },
      },
    }],
  },
};

Deno.test("client-node creates, reads, merge-patches and server-side applies typed objects and custom objects", async () => {
  const api = await startFakeKubeApi();
  try {
    const kc = new k8s.KubeConfig();
    kc.loadFromString(api.kubeconfigYaml());
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
    const objects = k8s.KubernetesObjectApi.makeApiClient(kc);

    await core.createNamespace({ body: { metadata: { name: "k8zner-system" } } });
    const ns = await core.readNamespace({ name: "k8zner-system" });
    assertEquals(ns.status?.phase, "Active");
    const merged = await core.patchNamespace(
      { name: "k8zner-system", body: { metadata: { labels: { team: "a" } } } },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
    );
    assertEquals(merged.metadata?.labels, { team: "a" });

    const configMap: k8s.V1ConfigMap = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "cfg", namespace: "k8zner-system" },
      data: { a: "1" },
    };
    const applied = await objects.patch(
      configMap,
      undefined,
      undefined,
      "test-manager",
      true,
      k8s.PatchStrategy.ServerSideApply,
    );
    assertEquals(applied.metadata?.managedFields?.[0]?.manager, "test-manager");

    await ext.createCustomResourceDefinition({ body: CRD as k8s.V1CustomResourceDefinition });
    await custom.createClusterCustomObject({
      group: "example.com",
      version: "v1",
      plural: "things",
      body: { apiVersion: "example.com/v1", kind: "Thing", metadata: { name: "t1" }, spec: { x: 1 } },
    });
    const listed = await custom.listClusterCustomObject({ group: "example.com", version: "v1", plural: "things" });
    assertEquals((listed.items as { metadata: { name: string } }[]).map((i) => i.metadata.name), ["t1"]);
    const conflict = await core.createNamespace({ body: { metadata: { name: "k8zner-system" } } }).catch((e) => e);
    assertEquals(conflict.code, 409);
  } finally {
    await api.close();
  }
});

Deno.test(requires([OPENSSL], {
  name: "client-node Watch receives events over HTTPS from a resourceVersion",
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const server = await makeSelfSignedCert(dir);
    const api = await startFakeKubeApi({ tls: { certPem: server.certPem, keyPem: server.keyPem } });
    try {
      assertOk(api.url.startsWith("https://127.0.0.1:"));
      const kc = new k8s.KubeConfig();
      kc.loadFromString(api.kubeconfigYaml());
      const core = kc.makeApiClient(k8s.CoreV1Api);
      const list = await core.listNamespacedSecret({ namespace: "default" });
      const events: string[] = [];
      const { promise: gotTwo, resolve } = Promise.withResolvers<void>();
      const controller = await new k8s.Watch(kc).watch(
        "/api/v1/namespaces/default/secrets",
        { resourceVersion: list.metadata?.resourceVersion },
        (type: string, obj: { metadata: { name: string } }) => {
          events.push(`${type} ${obj.metadata.name}`);
          if (events.length === 2) resolve();
        },
        () => {},
      );
      await core.createNamespacedSecret({ namespace: "default", body: { metadata: { name: "s" } } });
      await core.deleteNamespacedSecret({ namespace: "default", name: "s" });
      await gotTwo;
      controller.abort();
      assertEquals(events, ["ADDED s", "DELETED s"]);
    } finally {
      await api.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
}));
