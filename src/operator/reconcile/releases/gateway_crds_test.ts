import { assertEquals } from "../../../../tests/assert.ts";
import { startAddonsWorld } from "../../../../tests/operator/addons_fixture.ts";
import { gatewayBundleYaml } from "../../../../tests/operator/scripted_helm.ts";
import { requires, sharedFile } from "../../../../tests/requirements.ts";
import { ensureGatewayCrds, parseGatewayBundle } from "./gateway_crds.ts";

const BUNDLE = sharedFile("charts/gateway-api-standard-crds.yaml");

Deno.test(requires([BUNDLE], {
  name: "parseGatewayBundle() reads the pinned v1.5.1 standard bundle: eight CRDs and the safe-upgrades policy",
  fn: async () => {
    const bundle = parseGatewayBundle(await Deno.readTextFile(BUNDLE.path), BUNDLE.path);
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
    assertEquals(new Set(bundle.crds.values()), new Set(["v1.5.1"]));
    assertEquals(bundle.objects.map((o) => o.kind).filter((k) => k !== "CustomResourceDefinition"), [
      "ValidatingAdmissionPolicy",
      "ValidatingAdmissionPolicyBinding",
    ]);
    assertEquals(bundle.objects.every((o) => o.metadata.labels?.["k8zner.io/bundle"] === "gateway-api"), true);
  },
}));

Deno.test("ensureGatewayCrds() applies the bundle when missing or of another version, and a converged pass does not", async () => {
  await using world = await startAddonsWorld();
  const patches = () => world.api.requests.filter((r) => r.method === "PATCH").length;
  assertEquals(await ensureGatewayCrds(await world.context()), ["gatewayclasses.gateway.networking.k8s.io"]);
  const applied = patches();
  assertEquals(applied, 1);
  for (let i = 0; i < 5; i++) assertEquals(await ensureGatewayCrds(await world.context()), []);
  assertEquals(patches(), applied, "a converged pass applies nothing");

  // A new k8zner version ships another bundle version: applied once.
  await Deno.writeTextFile(`${world.chartsDir}/gateway-api-standard-crds.yaml`, gatewayBundleYaml("v1.6.0"));
  world.memory = new Map(); // a new operator process (the file is parsed once per process)
  assertEquals(await ensureGatewayCrds(await world.context()), ["gatewayclasses.gateway.networking.k8s.io"]);
  const crd = await world.kube.get(
    "apiextensions.k8s.io/v1",
    "CustomResourceDefinition",
    "gatewayclasses.gateway.networking.k8s.io",
  );
  assertEquals(crd?.metadata.annotations?.["gateway.networking.k8s.io/bundle-version"], "v1.6.0");
  assertEquals(await ensureGatewayCrds(await world.context()), []);

  // Deleted by someone: applied again.
  await world.kube.delete(
    "apiextensions.k8s.io/v1",
    "CustomResourceDefinition",
    "gatewayclasses.gateway.networking.k8s.io",
  );
  assertEquals((await ensureGatewayCrds(await world.context())).length, 1);
});
