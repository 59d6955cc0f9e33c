import { assertEquals } from "../../tests/assert.ts";
import { expandSpec } from "../config/expand.ts";
import { renderK8znerCluster, renderK8znerClusterSpec } from "./k8zner_cluster.ts";

Deno.test("renderK8znerClusterSpec() of a dev config without domain sets counts and leaves optional fields out", () => {
  const state = expandSpec({ name: "dev1", region: "nbg1", mode: "dev", workers: { count: 1, size: "cpx22" } });
  const spec = renderK8znerClusterSpec(state);
  assertEquals([spec.controlPlanes, spec.workers], [{ count: 1, size: "cx23" }, { count: 1, size: "cpx22" }]);
  assertEquals([spec.domain, spec.certEmail, spec.backup, spec.apiAllowlist], [
    undefined,
    undefined,
    undefined,
    undefined,
  ]);
  assertEquals([spec.addons.externalDns, spec.addons.monitoring, spec.addons.argoSubdomain], [false, false, undefined]);
  assertEquals(renderK8znerClusterSpec(state, { apiAllowlist: ["198.51.100.7/32"] }).apiAllowlist, ["198.51.100.7/32"]);
});

Deno.test("renderK8znerCluster() puts the object in k8zner-system with the cluster label and sorted keys", () => {
  const spec = renderK8znerClusterSpec(
    expandSpec({ name: "dev1", region: "nbg1", mode: "dev", workers: { count: 1, size: "cpx22" } }),
  );
  const object = renderK8znerCluster({ name: "dev1", spec });
  assertEquals(object.metadata, {
    labels: { "k8zner.io/cluster": "dev1", "k8zner.io/managed-by": "k8zner" },
    name: "dev1",
    namespace: "k8zner-system",
  });
  assertEquals(Object.keys(object), ["apiVersion", "kind", "metadata", "spec"]);
  assertEquals(Object.keys(object.spec as object), [...Object.keys(object.spec as object)].sort());
});
