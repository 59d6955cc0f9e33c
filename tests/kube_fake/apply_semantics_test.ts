/**
 * Write semantics Helm v4 relies on: server-side apply removes what a manager stops applying (unless
 * another manager owns it), and `metadata.generation` moves as the API server's strategies move it.
 */
import { assertEquals } from "../assert.ts";
import { type KubeObj, startFakeKubeApi } from "./mod.ts";
import { requires } from "../requirements.ts";
import { KUBERNETES_OPENAPI } from "../fake_contracts.ts";

type Json = Record<string, unknown>;

function deployment(annotations: Record<string, string>, env: Record<string, string>, replicas?: number): Json {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "app", namespace: "default", annotations },
    spec: {
      ...(replicas === undefined ? {} : { replicas }),
      selector: { matchLabels: { app: "a" } },
      template: {
        metadata: { labels: { app: "a" } },
        spec: {
          containers: [{
            name: "app",
            image: "registry.example/app:1",
            env: Object.entries(env).map(([name, value]) => ({ name, value })),
          }],
        },
      },
    },
  };
}

Deno.test(requires([KUBERNETES_OPENAPI], {
  name: "server-side apply drops fields the manager no longer applies, keeps those another manager owns",
  fn: async () => {
    const api = await startFakeKubeApi();
    const path = "/apis/apps/v1/namespaces/default/deployments/app";
    const write = async (method: string, query: string, body: unknown, type: string): Promise<KubeObj> => {
      const res = await fetch(`${api.url}${path}?${query}`, {
        method,
        headers: { "content-type": type },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      assertEquals(res.status < 300, true, text);
      return JSON.parse(text) as KubeObj;
    };
    const apply = (body: unknown) => write("PATCH", "fieldManager=helm", body, "application/apply-patch+yaml");
    try {
      const first = await apply(deployment({ a: "1", b: "2" }, { X: "1", Y: "2" }, 2));
      assertEquals((first.metadata as Json).generation, 1);
      await write(
        "PATCH",
        "fieldManager=kubectl-scale",
        { spec: { replicas: 3 }, metadata: { annotations: { owner: "ops" } } },
        "application/merge-patch+json",
      );
      // The next apply leaves out annotation b, env Y and replicas (also written by kubectl-scale).
      const second = await apply(deployment({ a: "1" }, { X: "1" }));
      const meta = second.metadata as Json;
      assertEquals(meta.annotations, { a: "1", owner: "ops" });
      const spec = second.spec as { replicas: number; template: { spec: { containers: { env: unknown }[] } } };
      assertEquals(spec.template.spec.containers[0]!.env, [{ name: "X", value: "1" }]);
      assertEquals(spec.replicas, 3, "kubectl-scale still owns replicas");
      // Deployments bump generation on annotation changes too (their annotations go to ReplicaSets).
      assertEquals(meta.generation, 3);
    } finally {
      await api.close();
    }
  },
}));

Deno.test(requires([KUBERNETES_OPENAPI], {
  name: "generation: a custom resource without a status subresource counts status; labels never count",
  fn: async () => {
    const api = await startFakeKubeApi();
    const post = async (path: string, body: unknown) => {
      const res = await fetch(api.url + path, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      assertEquals(res.status, 201, await res.clone().text());
      return await res.json() as Json;
    };
    const merge = async (path: string, patch: unknown) => {
      const res = await fetch(api.url + path, {
        method: "PATCH",
        headers: { "content-type": "application/merge-patch+json" },
        body: JSON.stringify(patch),
      });
      return ((await res.json()) as Json).metadata as Json;
    };
    try {
      await post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", {
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        metadata: { name: "gadgets.example.com" },
        spec: {
          group: "example.com",
          scope: "Namespaced",
          names: { plural: "gadgets", singular: "gadget", kind: "Gadget", listKind: "GadgetList" },
          versions: [{
            name: "v1",
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
          }],
        },
      });
      const base = "/apis/example.com/v1/namespaces/default/gadgets";
      await post(base, { apiVersion: "example.com/v1", kind: "Gadget", metadata: { name: "g" }, spec: { n: 1 } });
      assertEquals((await merge(`${base}/g`, { status: { phase: "Up" } })).generation, 2);
      assertEquals((await merge(`${base}/g`, { metadata: { labels: { x: "y" } } })).generation, 2);
    } finally {
      await api.close();
    }
  },
}));

Deno.test(requires([KUBERNETES_OPENAPI], {
  name: "server-side apply refuses to change a field another manager owns (409) unless forced, then owns it",
  fn: async () => {
    const api = await startFakeKubeApi();
    const path = "/apis/apps/v1/namespaces/default/deployments/app";
    const send = async (query: string, body: unknown, type = "application/apply-patch+yaml") => {
      const res = await fetch(`${api.url}${path}?${query}`, {
        method: "PATCH",
        headers: { "content-type": type },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() as Json };
    };
    try {
      assertEquals((await send("fieldManager=helm", deployment({}, {}, 2))).status, 201);
      const scaled = await send(
        "fieldManager=kubectl-scale",
        { spec: { replicas: 3 } },
        "application/merge-patch+json",
      );
      assertEquals(scaled.status, 200);
      const same = await send("fieldManager=helm", deployment({}, {}, 3));
      assertEquals(same.status, 200, "the value kubectl-scale set: shared, no conflict");
      const refused = await send("fieldManager=helm&force=false", deployment({}, {}, 2));
      assertEquals([refused.status, refused.body.reason, refused.body.message], [
        409,
        "Conflict",
        'Apply failed with 1 conflict: conflict with "kubectl-scale" using apps/v1: .spec.replicas',
      ]);
      const forced = await send("fieldManager=helm&force=true", deployment({}, {}, 2));
      assertEquals([forced.status, (forced.body.spec as Json).replicas], [200, 2]);
      const managers = ((forced.body.metadata as Json).managedFields as { manager: string }[]).map((m) => m.manager);
      assertEquals(managers, ["helm"], "kubectl-scale owned nothing else and is gone");
    } finally {
      await api.close();
    }
  },
}));

Deno.test(requires([KUBERNETES_OPENAPI], {
  name: "server-side apply of a CRD file by two managers: its status stanza is reset, owned by none, no conflict",
  fn: async () => {
    const api = await startFakeKubeApi();
    const path = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com";
    // As CRD bundles ship them (Gateway API, Traefik's crds/): a status stanza the API server ignores.
    const crd = (storedVersions: string[] | null) => ({
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "widgets.example.com" },
      spec: {
        group: "example.com",
        names: { kind: "Widget", plural: "widgets", singular: "widget", listKind: "WidgetList" },
        scope: "Namespaced",
        versions: [{
          name: "v1",
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
        }],
      },
      status: { acceptedNames: { kind: "", plural: "" }, conditions: null, storedVersions },
    });
    const apply = async (manager: string, body: unknown) => {
      const res = await fetch(`${api.url}${path}?fieldManager=${manager}`, {
        method: "PATCH",
        headers: { "content-type": "application/apply-patch+yaml" },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      assertEquals(res.status, res.status < 300 ? res.status : 200, text);
      return JSON.parse(text) as KubeObj;
    };
    try {
      await apply("k8zner-operator", crd(null));
      const second = await apply("helm", crd([]));
      const managed = (second.metadata as { managedFields: { manager: string; fieldsV1: Json }[] }).managedFields;
      assertEquals(managed.map((m) => [m.manager, "f:status" in m.fieldsV1]), [
        ["k8zner-operator", false],
        ["helm", false],
      ]);
      // The server's own status stays (the CRD is established), not the files' empty one.
      assertEquals((second.status as { storedVersions?: string[] }).storedVersions, ["v1"]);
    } finally {
      await api.close();
    }
  },
}));
