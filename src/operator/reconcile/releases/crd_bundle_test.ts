import { assertEquals, assertOk, assertThrows } from "../../../../tests/assert.ts";
import { startAddonsWorld } from "../../../../tests/operator/addons_fixture.ts";
import { gatewayBundleYaml, prometheusBundleYaml } from "../../../../tests/operator/scripted_helm.ts";
import { requires, sharedFile } from "../../../../tests/requirements.ts";
import { parseAllDocuments } from "yaml";
import { createHash } from "node:crypto";
import { MANIFESTS } from "../../../config/versions.ts";
import { ensureCrdBundle, GATEWAY_API_BUNDLE, parseCrdBundle, PROMETHEUS_OPERATOR_BUNDLE } from "./crd_bundle.ts";

const GATEWAY = sharedFile("charts/gateway-api-standard-crds.yaml");
const PROMETHEUS = sharedFile("charts/prometheus-operator-crds.yaml");
const CRD = ["apiextensions.k8s.io/v1", "CustomResourceDefinition"] as const;

Deno.test(requires([GATEWAY], {
  name: "parseCrdBundle() reads the pinned Gateway API v1.5.1 standard bundle: eight CRDs and the safe-upgrades policy",
  fn: async () => {
    const bundle = parseCrdBundle(GATEWAY_API_BUNDLE, await Deno.readTextFile(GATEWAY.path), GATEWAY.path);
    assertEquals([...bundle.crds.keys()].sort(), [
      "backendtlspolicies.gateway.networking.k8s.io",
      "gatewayclasses.gateway.networking.k8s.io",
      "gateways.gateway.networking.k8s.io",
      "grpcroutes.gateway.networking.k8s.io",
      "httproutes.gateway.networking.k8s.io",
      "listenersets.gateway.networking.k8s.io",
      "referencegrants.gateway.networking.k8s.io",
      "tlsroutes.gateway.networking.k8s.io",
    ]);
    assertEquals(new Set(bundle.crds.values()), new Set([MANIFESTS.gatewayApiCrds.version]));
    assertEquals(bundle.objects.map((o) => o.kind).filter((k) => k !== "CustomResourceDefinition"), [
      "ValidatingAdmissionPolicy",
      "ValidatingAdmissionPolicyBinding",
    ]);
    assertEquals(bundle.objects.every((o) => o.metadata.labels?.["k8zner.io/bundle"] === "gateway-api"), true);
  },
}));

Deno.test(requires([PROMETHEUS], {
  name: "parseCrdBundle() reads the pinned Prometheus operator v0.93.0 bundle: ten CRDs, each of version 0.93.0",
  fn: async () => {
    const bundle = parseCrdBundle(
      PROMETHEUS_OPERATOR_BUNDLE,
      await Deno.readTextFile(PROMETHEUS.path),
      PROMETHEUS.path,
    );
    assertEquals([...bundle.crds.keys()].sort(), [
      "alertmanagerconfigs.monitoring.coreos.com",
      "alertmanagers.monitoring.coreos.com",
      "podmonitors.monitoring.coreos.com",
      "probes.monitoring.coreos.com",
      "prometheusagents.monitoring.coreos.com",
      "prometheuses.monitoring.coreos.com",
      "prometheusrules.monitoring.coreos.com",
      "scrapeconfigs.monitoring.coreos.com",
      "servicemonitors.monitoring.coreos.com",
      "thanosrulers.monitoring.coreos.com",
    ]);
    // The annotation carries the version without the `v` of the pin.
    assertEquals(new Set(bundle.crds.values()), new Set([MANIFESTS.prometheusOperatorCrds.version.replace(/^v/, "")]));
    assertEquals(bundle.objects.length, 10, "nothing but the CRDs");
    assertOk(bundle.objects.every((o) => o.metadata.labels?.["k8zner.io/bundle"] === "prometheus-operator"));
    // Applied one object per request: each must stay under the API server's 3 MiB request limit.
    const largest = Math.max(...bundle.objects.map((o) => JSON.stringify(o).length));
    assertOk(largest < 3 * 1024 * 1024, `largest CRD is ${largest} bytes`);
  },
}));

Deno.test("parseCrdBundle() reads scalars as the yaml package does (YAML 1.2 core schema), and refuses broken YAML", () => {
  const text = `---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: things.example.com
  annotations:
    example.com/version: v1.0.0
spec:
  words: [yes, no, on, off, y, n, true, False, null, ~, "", '0x1F']
  numbers: [0x1F, 0o17, 017, 1_000, 1e3, .5, -.inf, .NaN, +12, 2001-12-14, 12:30:00]
  text: |
    keep
      this
  folded: >-
    one
    two
  empty:
---
`;
  const bundle = parseCrdBundle(GATEWAY_API_BUNDLE, text, "things.yaml");
  const expected = parseAllDocuments(text).map((d) => d.toJSON()).filter((o) => o !== null);
  delete bundle.objects[0]!.metadata.labels;
  assertEquals(bundle.objects, expected);
  assertEquals(bundle.crds, new Map([["things.example.com", ""]]));
  assertThrows(
    () => parseCrdBundle(GATEWAY_API_BUNDLE, "kind: A\nkind: B\n", "dup.yaml"),
    /^Error: Cannot read dup\.yaml: duplicated mapping key/,
  );
});

for (const [kind, file] of [[GATEWAY_API_BUNDLE, GATEWAY], [PROMETHEUS_OPERATOR_BUNDLE, PROMETHEUS]] as const) {
  Deno.test(requires([file], {
    name: `the CRDs listed for the pinned ${kind.id} bundle are the file's, in its order, and its sha256 is the pin`,
    fn: async () => {
      const bytes = await Deno.readFile(file.path);
      assertEquals(createHash("sha256").update(bytes).digest("hex"), kind.pinned?.sha256);
      const parsed = parseCrdBundle(kind, new TextDecoder().decode(bytes), file.path);
      assertEquals([...parsed.crds], kind.pinned?.crds.map(([name, version]) => [name, version]));
    },
  }));
}

Deno.test(requires([GATEWAY], {
  name: "ensureCrdBundle() with the pinned Gateway file applies all eight CRDs when missing, then nothing",
  fn: async () => {
    await using world = await startAddonsWorld();
    await Deno.copyFile(GATEWAY.path, `${world.chartsDir}/gateway-api-standard-crds.yaml`);
    const applied = await ensureCrdBundle(await world.context(), GATEWAY_API_BUNDLE);
    assertEquals(applied, GATEWAY_API_BUNDLE.pinned?.crds.map(([name]) => name).sort());
    const crd = await world.kube.get(...CRD, "httproutes.gateway.networking.k8s.io");
    assertEquals(crd?.metadata.annotations?.["gateway.networking.k8s.io/bundle-version"], "v1.5.1");
    assertEquals(crd?.metadata.labels?.["k8zner.io/bundle"], "gateway-api");
    const patches = world.api.requests.filter((r) => r.method === "PATCH").length;
    world.memory = new Map(); // a new operator process
    assertEquals(await ensureCrdBundle(await world.context(), GATEWAY_API_BUNDLE), []);
    assertEquals(world.api.requests.filter((r) => r.method === "PATCH").length, patches);
  },
}));

Deno.test("ensureCrdBundle() applies the Gateway bundle when missing or of another version, and a converged pass does not", async () => {
  await using world = await startAddonsWorld();
  const patches = () => world.api.requests.filter((r) => r.method === "PATCH").length;
  assertEquals(await ensureCrdBundle(await world.context(), GATEWAY_API_BUNDLE), [
    "gatewayclasses.gateway.networking.k8s.io",
  ]);
  const applied = patches();
  assertEquals(applied, 1);
  for (let i = 0; i < 5; i++) assertEquals(await ensureCrdBundle(await world.context(), GATEWAY_API_BUNDLE), []);
  assertEquals(patches(), applied, "a converged pass applies nothing");

  // A new k8zner version ships another bundle version: applied once.
  await Deno.writeTextFile(`${world.chartsDir}/gateway-api-standard-crds.yaml`, gatewayBundleYaml("v1.6.0"));
  world.memory = new Map(); // a new operator process (the file is parsed once per process)
  assertEquals(await ensureCrdBundle(await world.context(), GATEWAY_API_BUNDLE), [
    "gatewayclasses.gateway.networking.k8s.io",
  ]);
  const crd = await world.kube.get(...CRD, "gatewayclasses.gateway.networking.k8s.io");
  assertEquals(crd?.metadata.annotations?.["gateway.networking.k8s.io/bundle-version"], "v1.6.0");
  assertEquals(await ensureCrdBundle(await world.context(), GATEWAY_API_BUNDLE), []);

  // Deleted by someone: applied again.
  await world.kube.delete(...CRD, "gatewayclasses.gateway.networking.k8s.io");
  assertEquals((await ensureCrdBundle(await world.context(), GATEWAY_API_BUNDLE)).length, 1);
});

Deno.test("ensureCrdBundle() keeps the two bundles apart: a converged pass costs one CRD metadata list per bundle and no apply", async () => {
  await using world = await startAddonsWorld();
  const both = async () => [
    await ensureCrdBundle(await world.context(), GATEWAY_API_BUNDLE),
    await ensureCrdBundle(await world.context(), PROMETHEUS_OPERATOR_BUNDLE),
  ];
  assertEquals(await both(), [
    ["gatewayclasses.gateway.networking.k8s.io"],
    ["prometheuses.monitoring.coreos.com", "servicemonitors.monitoring.coreos.com"],
  ]);
  const monitor = await world.kube.get(...CRD, "servicemonitors.monitoring.coreos.com");
  assertEquals(monitor?.metadata.labels?.["k8zner.io/bundle"], "prometheus-operator");
  assertEquals(monitor?.metadata.annotations?.["operator.prometheus.io/version"], "0.93.0");
  const events = await world.events();
  assertOk(
    events.some((e) =>
      e.reason === "PrometheusOperatorCRDsApplied" &&
      e.message === "Applied the Prometheus operator CRDs 0.93.0 (2 missing or outdated)"
    ),
    JSON.stringify(events),
  );

  const before = world.api.requests.length;
  for (let i = 0; i < 5; i++) assertEquals(await both(), [[], []]);
  const requests = world.api.requests.slice(before).filter((r) => r.path.includes("customresourcedefinitions"));
  assertEquals(requests.map((r) => r.method), Array(10).fill("GET"), "no apply when converged");
  assertEquals(
    requests.map((r) => decodeURIComponent(r.query)).slice(0, 2),
    ["labelSelector=k8zner.io/bundle=gateway-api", "labelSelector=k8zner.io/bundle=prometheus-operator"],
  );
  assertOk(requests.every((r) => r.accept?.includes("PartialObjectMetadataList")), "metadata only");

  // The Prometheus operator of a newer k8zner: only that bundle is applied again.
  await Deno.writeTextFile(`${world.chartsDir}/prometheus-operator-crds.yaml`, prometheusBundleYaml("0.94.0"));
  world.memory = new Map();
  assertEquals((await both()).map((applied) => applied.length), [0, 2]);
  assertEquals(
    (await world.kube.get(...CRD, "prometheuses.monitoring.coreos.com"))?.metadata.annotations
      ?.["operator.prometheus.io/version"],
    "0.94.0",
  );
});
