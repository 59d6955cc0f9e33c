/**
 * The OpenAPI v3 documents, aggregated discovery and the built-in types derived from the v1.35
 * contract, read over HTTP as kubectl and Helm read them.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { startFakeKubeApi } from "./mod.ts";
import { requires } from "../requirements.ts";
import { KUBERNETES_OPENAPI } from "../fake_contracts.ts";
import { AGGREGATED_DISCOVERY_TYPE } from "./aggregated_discovery.ts";
import { convertSchema } from "./openapi_v3.ts";
import { compareVersions } from "./builtin_types.ts";

type Json = Record<string, unknown>;

const GATEWAY_CLASS_CRD = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "gatewayclasses.gateway.networking.k8s.io" },
  spec: {
    group: "gateway.networking.k8s.io",
    scope: "Cluster",
    names: { plural: "gatewayclasses", singular: "gatewayclass", kind: "GatewayClass", listKind: "GatewayClassList" },
    versions: [{
      name: "v1",
      served: true,
      storage: true,
      subresources: { status: {} },
      schema: {
        openAPIV3Schema: {
          type: "object",
          properties: { spec: { type: "object", properties: { controllerName: { type: "string" } } } },
        },
      },
    }],
  },
};

/** Every `$ref` inside a document. */
/** Creates {@link GATEWAY_CLASS_CRD} through the API at `url`. */
async function createGatewayClassCrd(url: string): Promise<void> {
  const created = await fetch(url + "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(GATEWAY_CLASS_CRD),
  });
  assertEquals(created.status, 201);
  await created.body?.cancel();
}

function refsOf(value: unknown, into: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refsOf(v, into));
  else if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (k === "$ref" && typeof v === "string") into.push(v);
      else refsOf(v, into);
    }
  }
  return into;
}

/** The PATCH operation of a kind in a v3 document, as client-go's field validation check finds it. */
function patchOperationOf(doc: Json, kind: string): Json | undefined {
  for (const item of Object.values(doc.paths as Record<string, Json>)) {
    const patch = item.patch as Json | undefined;
    if ((patch?.["x-kubernetes-group-version-kind"] as Json | undefined)?.kind === kind) return patch;
  }
  return undefined;
}

Deno.test("convertSchema() rewrites refs to components and wraps a ref with siblings in allOf", () => {
  assertEquals(convertSchema({ $ref: "#/definitions/a.B" }), { $ref: "#/components/schemas/a.B" });
  assertEquals(
    convertSchema({ properties: { m: { $ref: "#/definitions/a.M", description: "meta" } } }),
    { properties: { m: { allOf: [{ $ref: "#/components/schemas/a.M" }], description: "meta" } } },
  );
});

Deno.test("compareVersions() orders as Kubernetes prefers: v2, v1, v1beta2, v1beta1, v1alpha1", () => {
  assertEquals(["v1alpha1", "v1beta1", "v1", "v1beta2", "v2"].sort(compareVersions), [
    "v2",
    "v1",
    "v1beta2",
    "v1beta1",
    "v1alpha1",
  ]);
});

Deno.test(requires([KUBERNETES_OPENAPI], {
  name: "OpenAPI v3: index with hashed URLs, per group version documents, CRD documents, stale hash redirected",
  fn: async () => {
    const api = await startFakeKubeApi();
    const get = (path: string, headers: Record<string, string> = {}) =>
      fetch(api.url + path, { headers, redirect: "manual" });
    try {
      const index = (await (await get("/openapi/v3")).json()).paths as Record<string, { serverRelativeURL: string }>;
      for (const gv of ["api/v1", "apis/apps/v1", "apis/admissionregistration.k8s.io/v1", "apis/autoscaling/v2"]) {
        assertOk(index[gv]?.serverRelativeURL.match(/^\/openapi\/v3\/.+\?hash=[0-9A-F]{128}$/), gv);
      }
      assertEquals(index["apis/resource.k8s.io/v1beta1"], undefined, "beta APIs are off on a default v1.35 server");

      const apps = await get(index["apis/apps/v1"]!.serverRelativeURL, { accept: "application/json" });
      assertEquals([apps.status, apps.headers.get("cache-control")], [200, "public, immutable"]);
      // client-go's HTTP cache serves a document from disk, without asking again, only while it has not expired.
      const expires = Date.parse(apps.headers.get("expires") ?? "");
      assertOk(expires > Date.now() + 300 * 24 * 3600 * 1000, `expires a year ahead: ${apps.headers.get("expires")}`);
      const etag = apps.headers.get("etag")!;
      assertEquals(etag, `"${index["apis/apps/v1"]!.serverRelativeURL.split("hash=")[1]}"`);
      const revalidated = await get(index["apis/apps/v1"]!.serverRelativeURL, { "if-none-match": etag });
      assertEquals([revalidated.status, await revalidated.text()], [304, ""]);
      const indexed = await get("/openapi/v3");
      const indexTag = indexed.headers.get("etag");
      await indexed.body?.cancel();
      assertOk(indexTag?.match(/^"[0-9A-F]{128}"$/), `index ETag ${indexTag}`);
      const sameIndex = await get("/openapi/v3", { "if-none-match": indexTag! });
      assertEquals([sameIndex.status, await sameIndex.text()], [304, ""]);
      const doc = await apps.json() as Json;
      const schemas = (doc.components as Json).schemas as Record<string, Json>;
      assertOk(schemas["io.k8s.api.apps.v1.DaemonSet"]);
      assertOk(schemas["io.k8s.api.core.v1.PodSpec"], "reachable through DaemonSetSpec");
      assertEquals(schemas["io.k8s.api.batch.v1.Job"], undefined, "another group's kinds stay out");
      const refs = refsOf(doc);
      assertEquals(refs.filter((r) => !r.startsWith("#/components/schemas/")), []);
      assertEquals(refs.filter((r) => !(r.slice("#/components/schemas/".length) in schemas)), []);
      const patch = patchOperationOf(doc, "DaemonSet");
      const params = (patch?.parameters as Json[]).map((p) => [p.name, p.in]);
      assertOk(params.some(([name, where]) => name === "fieldValidation" && where === "query"));

      const stale = await get("/openapi/v3/apis/apps/v1?hash=0123");
      assertEquals([stale.status, stale.headers.get("location")], [301, index["apis/apps/v1"]!.serverRelativeURL]);
      await stale.body?.cancel();
      const protobufOnly = await get("/openapi/v3/api/v1", {
        accept: "application/com.github.proto-openapi.spec.v3@v1.0+protobuf",
      });
      assertEquals(protobufOnly.status, 406);
      await protobufOnly.body?.cancel();
      const v2 = await get("/openapi/v2");
      assertEquals(v2.status, 404);
      await v2.body?.cancel();

      await createGatewayClassCrd(api.url);
      const changed = await get("/openapi/v3", { "if-none-match": indexTag! });
      assertEquals(changed.status, 200, "a new CRD changes the index");
      const after = (await changed.json()).paths as Record<string, { serverRelativeURL: string }>;
      const gateway = await (await get(after["apis/gateway.networking.k8s.io/v1"]!.serverRelativeURL)).json() as Json;
      const gatewaySchemas = (gateway.components as Json).schemas as Record<string, Json>;
      const gc = gatewaySchemas["io.k8s.networking.gateway.v1.GatewayClass"]!;
      assertEquals(gc["x-kubernetes-group-version-kind"], [
        { group: "gateway.networking.k8s.io", version: "v1", kind: "GatewayClass" },
      ]);
      assertEquals((gc.properties as Json).spec, {
        type: "object",
        properties: { controllerName: { type: "string" } },
      });
      assertOk(gatewaySchemas["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]);
      assertOk(patchOperationOf(gateway, "GatewayClass"));
    } finally {
      await api.close();
    }
  },
}));

Deno.test(requires([KUBERNETES_OPENAPI], {
  name: "aggregated discovery lists every GA built-in group with scope, verbs and status subresources",
  fn: async () => {
    const api = await startFakeKubeApi();
    try {
      const res = await fetch(api.url + "/apis", {
        headers: { accept: `${AGGREGATED_DISCOVERY_TYPE},application/json` },
      });
      assertEquals(res.headers.get("content-type"), AGGREGATED_DISCOVERY_TYPE);
      const list = await res.json() as { items: { metadata: { name: string }; versions: Json[] }[] };
      const groups = list.items.map((g) => g.metadata.name);
      for (const g of ["apps", "batch", "policy", "storage.k8s.io", "admissionregistration.k8s.io", "node.k8s.io"]) {
        assertOk(groups.includes(g), g);
      }
      const autoscaling = list.items.find((g) => g.metadata.name === "autoscaling")!;
      assertEquals(autoscaling.versions.map((v) => v.version), ["v2", "v1"], "preferred version first");
      const apps = list.items.find((g) => g.metadata.name === "apps")!;
      const ds = (apps.versions[0]!.resources as Json[]).find((r) => r.resource === "daemonsets")!;
      assertEquals([ds.scope, ds.shortNames, (ds.subresources as Json[]).map((s) => s.subresource)], [
        "Namespaced",
        ["ds"],
        ["status"],
      ]);
      const etag = res.headers.get("etag")!;
      assertOk(etag.match(/^"[0-9A-F]{128}"$/), `ETag ${etag}`);
      assertEquals([res.headers.get("cache-control"), res.headers.get("vary")], ["public", "Accept"]);
      const unchanged = await fetch(api.url + "/apis", {
        headers: { accept: AGGREGATED_DISCOVERY_TYPE, "if-none-match": etag },
      });
      assertEquals([unchanged.status, await unchanged.text()], [304, ""]);
      await createGatewayClassCrd(api.url);
      const changed = await fetch(api.url + "/apis", {
        headers: { accept: AGGREGATED_DISCOVERY_TYPE, "if-none-match": etag },
      });
      assertEquals(changed.status, 200, "a new CRD changes the document and its ETag");
      const groupsNow = (await changed.json()).items.map((g: { metadata: { name: string } }) => g.metadata.name);
      assertOk(groupsNow.includes("gateway.networking.k8s.io"));
      assertOk(changed.headers.get("etag") !== etag);
      const core = await (await fetch(api.url + "/api", { headers: { accept: AGGREGATED_DISCOVERY_TYPE } })).json();
      const resources = core.items[0].versions[0].resources as Json[];
      const cs = resources.find((r) => r.resource === "componentstatuses")!;
      assertEquals(cs.verbs, ["get", "list"]);
      const refused = await fetch(api.url + "/api/v1/componentstatuses", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ apiVersion: "v1", kind: "ComponentStatus", metadata: { name: "x" } }),
      });
      assertEquals(refused.status, 405, "a verb the type does not serve");
      await refused.body?.cancel();
      const plain = await fetch(api.url + "/apis");
      assertEquals((await plain.json()).kind, "APIGroupList", "without the Accept, the plain list");
    } finally {
      await api.close();
    }
  },
}));
