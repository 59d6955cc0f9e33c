import { assertEquals, assertIncludes, assertOk } from "../../../tests/assert.ts";
import { expandSpec, KUBERNETES_VERSION, type Spec, TALOS_VERSION } from "../../config/mod.ts";
import { renderK8znerCluster, renderK8znerClusterSpec } from "../../addons/k8zner_cluster.ts";
import { ClusterSpecError, desiredFromCluster, specFromCluster } from "./desired_from_spec.ts";
import { MAX_WORKERS } from "../../config/spec.ts";

const DEV: Spec = {
  name: "dev1",
  region: "nbg1",
  mode: "dev",
  workers: { count: 1, size: "cpx22" },
  api_allowlist: ["198.51.100.7/32"],
};

const HA: Spec = {
  name: "prod",
  region: "fsn1",
  mode: "ha",
  workers: { count: 3, size: "cx33" },
  control_plane: { size: "cx33" },
  domain: "example.com",
  cert_email: "ops@example.com",
  argo_subdomain: "cd",
  monitoring: true,
  grafana_subdomain: "dash",
  backup: true,
  api_allowlist: ["203.0.113.0/24", "2001:db8::/32"],
  api_load_balancer: "private",
};

function thrownBy(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    assertOk(err instanceof ClusterSpecError, String(err));
    return err;
  }
  throw new Error("expected a ClusterSpecError");
}

function roundTrip(spec: Spec) {
  const rendered = renderK8znerCluster({ name: spec.name, spec: renderK8znerClusterSpec(expandSpec(spec)) });
  return desiredFromCluster(rendered);
}

for (const [label, spec] of [["dev", DEV], ["ha", HA]] as const) {
  Deno.test(`desiredFromCluster() of the K8znerCluster apply renders for the ${label} example expands to the same desired state`, () => {
    assertEquals(roundTrip(spec), expandSpec(spec));
  });
}

Deno.test("specFromCluster() maps the CRD spec's fields back to k8zner.yaml names", () => {
  const spec = specFromCluster("prod", renderK8znerClusterSpec(expandSpec(HA)));
  assertEquals(spec, {
    ...HA,
    control_plane: { size: "cx33" },
    talos_version: TALOS_VERSION,
    kubernetes_version: KUBERNETES_VERSION,
  });
});

Deno.test("desiredFromCluster() takes the Talos and Kubernetes versions from the spec: they are the rollout's target", () => {
  const object = renderK8znerCluster({ name: "prod", spec: renderK8znerClusterSpec(expandSpec(HA)) });
  const spec = object.spec as { talos: { version: string }; kubernetes: { version: string } };
  spec.talos.version = "v1.12.6";
  spec.kubernetes.version = "1.35.2";
  const desired = desiredFromCluster(object);
  assertEquals([desired.talos.version, desired.versions.talos], ["v1.12.6", "v1.12.6"]);
  assertEquals([desired.kubernetes.version, desired.versions.kubernetes], ["1.35.2", "1.35.2"]);
  assertEquals(desired.talos.snapshotLabels["k8zner.io/talos-version"], "v1.12.6");

  spec.talos.version = "v1.11.0";
  assertIncludes(thrownBy(() => desiredFromCluster(object)).message, "talos_version");
  spec.talos.version = "v1.12.6";
  spec.kubernetes.version = "1.36.3";
  assertIncludes(thrownBy(() => desiredFromCluster(object)).message, "does not run on Talos v1.12.6");
});

Deno.test("a backup retention other than the default reaches the operator's desired state and back", () => {
  const spec: Spec = { ...HA, backup: true, backup_retention_days: 30 };
  const crd = renderK8znerClusterSpec(expandSpec(spec));
  assertEquals(crd.backup?.retentionDays, 30);
  assertEquals(specFromCluster("prod", crd).backup_retention_days, 30);
  assertEquals(roundTrip(spec).addons.talosBackup.retentionDays, 30);
});

Deno.test("desiredFromCluster() plans spec.controlPlanes.count control planes, not the mode's", () => {
  const object = renderK8znerCluster({ name: "prod", spec: renderK8znerClusterSpec(expandSpec(HA)) });
  (object.spec as { controlPlanes: { count: number } }).controlPlanes.count = 5;
  const desired = desiredFromCluster(object);
  assertEquals(desired.kubernetes.controlPlaneCount, 5);
  assertEquals(
    desired.servers.filter((s) => s.role === "control-plane").map((s) => [s.name, s.privateIp]),
    [1, 2, 3, 4, 5].map((n) => [`prod-cp-${n}`, `10.0.0.${n + 1}`]),
  );
  // Everything else is the ha plan.
  assertEquals(
    desired.servers.filter((s) => s.role === "worker"),
    expandSpec(HA).servers.filter((s) => s.role === "worker"),
  );
});

Deno.test("desiredFromCluster() refuses a control plane count etcd cannot use and a spec the config validator refuses", () => {
  const object = renderK8znerCluster({ name: "dev1", spec: renderK8znerClusterSpec(expandSpec(DEV)) });
  (object.spec as { controlPlanes: { count: number } }).controlPlanes.count = 2;
  const err = thrownBy(() => desiredFromCluster(object));
  assertEquals(
    err.message,
    'Cannot reconcile K8znerCluster "dev1": spec.controlPlanes.count is 2, allowed are 1, 3 and 5',
  );

  const bad = renderK8znerCluster({ name: "dev1", spec: renderK8znerClusterSpec(expandSpec(DEV)) });
  (bad.spec as { workers: { count: number } }).workers.count = MAX_WORKERS + 1;
  const problem = thrownBy(() => desiredFromCluster(bad));
  assertIncludes(problem.message, "workers.count");
});
