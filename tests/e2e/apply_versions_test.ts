/**
 * Pinned versions through the real CLI against a local cloud: a dev cluster created with
 * `kubernetes_version: 1.35.2` runs it (machine configs, the kubelets the nodes report, the spec); with the pin
 * removed, `plan` shows the upgrade to this k8zner's default and the operator's rollout node by node, and
 * `apply --yes` says so and writes the new version into the spec; pinning the old minor again is a downgrade
 * across minors that `plan` and `apply` refuse on the field's line (exit 2) without changing anything, and so is
 * an older Talos once the K8znerCluster is gone (then the versions the nodes report decide).
 *
 * @module
 */
import { assertEquals, assertIncludes, assertOk } from "../assert.ts";
import { startLocalCloud } from "../local_cloud/mod.ts";
import { waitFor } from "../local_cloud/test_helpers.ts";
import { clusterStore, handoverObjects, k8zner, makeWorkdir, mutating, renderConfig } from "./apply_harness.ts";
import { withFakes } from "../fake_contracts.ts";
import { KUBERNETES_VERSION, TALOS_VERSION } from "../../src/config/mod.ts";

const PINNED = `${renderConfig("ver1", "dev", 1)}kubernetes_version: 1.35.2\n`;

function specVersions(cloud: Parameters<typeof handoverObjects>[0]) {
  const spec = handoverObjects(cloud, "ver1").cluster?.spec as
    | { talos: { version: string }; kubernetes: { version: string } }
    | undefined;
  return [spec?.talos.version, spec?.kubernetes.version];
}

Deno.test(
  withFakes(
    "a pinned Kubernetes version builds the cluster, unpinning it plans and applies the upgrade, a downgrade is refused",
    async () => {
      const cloud = await startLocalCloud({ speed: 200 });
      const dir = await makeWorkdir(PINNED);
      try {
        const created = await k8zner(cloud, dir, ["apply"]);
        assertEquals(created.code, 0, `${created.stdout}\n${created.stderr}`);
        assertEquals(specVersions(cloud), [TALOS_VERSION, "1.35.2"]);
        // The node runs what the config pinned: the fake kubelet reports the version of the kubelet image it was given.
        // Both nodes registered first: the operator creates the worker after apply returns, and a plan while it
        // is still being created lists it as a node whose Talos and kubelet versions are unknown.
        const store = clusterStore(cloud, "ver1")!;
        for (const node of ["ver1-cp-1", "ver1-w-1"]) {
          await waitFor(`Node ${node}`, () => store.getObject("v1", "Node", node), 120_000);
        }
        const kubelet = (store.getObject("v1", "Node", "ver1-cp-1")!.status as { nodeInfo: { kubeletVersion: string } })
          .nodeInfo.kubeletVersion;
        assertEquals(kubelet, "v1.35.2");

        await Deno.writeTextFile(`${dir}/k8zner.yaml`, renderConfig("ver1", "dev", 1));
        const plan = await k8zner(cloud, dir, ["plan"]);
        assertEquals(plan.code, 0, plan.stderr);
        assertIncludes(plan.stdout, `  ~ kubernetes.version: "1.35.2" -> "${KUBERNETES_VERSION}"`);
        assertIncludes(
          plan.stdout,
          `  Upgrade: Kubernetes 1.35.2 -> ${KUBERNETES_VERSION}: the operator rolls the nodes one at a time.`,
        );
        assertIncludes(plan.stdout, `  1. control-plane components 1.35.2 -> ${KUBERNETES_VERSION} on ver1-cp-1`);
        assertIncludes(plan.stdout, `  2. kubelet 1.35.2 -> ${KUBERNETES_VERSION} on control-plane ver1-cp-1`);
        assertOk(!plan.stdout.includes(`Talos ${TALOS_VERSION} ->`), "Talos already runs the target");
        assertEquals(mutating(plan.requests).length, 0);

        const upgrade = await k8zner(cloud, dir, ["apply", "--yes"]);
        assertEquals(upgrade.code, 0, `${upgrade.stdout}\n${upgrade.stderr}`);
        assertIncludes(
          upgrade.stdout,
          `Kubernetes 1.35.2 -> ${KUBERNETES_VERSION}: the operator rolls the nodes one at a time.`,
        );
        assertEquals(specVersions(cloud), [TALOS_VERSION, KUBERNETES_VERSION]);

        await Deno.writeTextFile(`${dir}/k8zner.yaml`, PINNED);
        for (const command of [["plan"], ["apply", "--yes"]]) {
          const refused = await k8zner(cloud, dir, command);
          assertEquals(refused.code, 2, `${command[0]}: ${refused.stdout}\n${refused.stderr}`);
          assertIncludes(
            refused.stderr,
            `k8zner.yaml:7:1: kubernetes_version: 1.35.2 would downgrade Kubernetes from ${KUBERNETES_VERSION}, ` +
              "which the cluster runs",
          );
          assertIncludes(refused.stderr, `(allowed: ${KUBERNETES_VERSION})`);
          assertEquals(mutating(refused.requests).length, 0);
        }
        assertEquals(specVersions(cloud), [TALOS_VERSION, KUBERNETES_VERSION]);

        // Without its K8znerCluster the versions the nodes report decide: they run Talos v1.13.9, so v1.12.6 is a
        // downgrade.
        store.remove("k8zner.io/v1alpha1", "K8znerCluster", "ver1", "k8zner-system");
        await Deno.writeTextFile(`${dir}/k8zner.yaml`, `${renderConfig("ver1", "dev", 1)}talos_version: v1.12.6\n`);
        for (const command of [["plan"], ["apply", "--yes"]]) {
          const refused = await k8zner(cloud, dir, command);
          assertEquals(refused.code, 2, `${command[0]}: ${refused.stdout}\n${refused.stderr}`);
          assertIncludes(
            refused.stderr,
            `k8zner.yaml:7:1: talos_version: v1.12.6 would downgrade Talos from ${TALOS_VERSION}, which the cluster runs`,
          );
          assertEquals(mutating(refused.requests).length, 0);
        }
      } finally {
        await cloud.close();
        await Deno.remove(dir, { recursive: true });
      }
    },
  ),
);

Deno.test(
  withFakes(
    "a cluster pinned to Talos v1.12.6 boots that Talos, and plan shows the rollout to the default",
    async () => {
      const cloud = await startLocalCloud({ speed: 200 });
      const dir = await makeWorkdir(`${renderConfig("ver2", "dev", 1)}talos_version: v1.12.6\n`);
      try {
        const created = await k8zner(cloud, dir, ["apply"]);
        assertEquals(created.code, 0, `${created.stdout}\n${created.stderr}`);
        const snapshots = [...cloud.sim.state.images.values()].filter((i) => i.type === "snapshot");
        assertEquals(snapshots.map((i) => i.labels["k8zner.io/talos-version"]), ["v1.12.6"]);
        const spec = handoverObjects(cloud, "ver2").cluster!.spec as {
          talos: { version: string };
          kubernetes: { version: string };
        };
        assertEquals([spec.talos.version, spec.kubernetes.version], ["v1.12.6", "1.35.2"]);

        await Deno.writeTextFile(`${dir}/k8zner.yaml`, renderConfig("ver2", "dev", 1));
        const plan = await k8zner(cloud, dir, ["plan"]);
        assertEquals(plan.code, 0, plan.stderr);
        assertIncludes(
          plan.stdout,
          `  Upgrade: Talos v1.12.6 -> ${TALOS_VERSION}, Kubernetes 1.35.2 -> ${KUBERNETES_VERSION}: ` +
            "the operator rolls the nodes one at a time.",
        );
        // The versions come from the node itself (Talos API Version, the Node's kubelet), in the operator's order;
        // the worker may or may not exist yet, so only the control plane's steps are named.
        const steps = plan.stdout.split("\n").filter((l) => /^ +\d+\. /.test(l)).map((l) => l.replace(/^ +\d+\. /, ""));
        const at = (text: string) => steps.indexOf(text);
        const talos = at(`Talos v1.12.6 -> ${TALOS_VERSION} on control-plane ver2-cp-1`);
        const components = at(`control-plane components 1.35.2 -> ${KUBERNETES_VERSION} on ver2-cp-1`);
        const kubelet = at(`kubelet 1.35.2 -> ${KUBERNETES_VERSION} on control-plane ver2-cp-1`);
        assertOk(talos === 0 && components > talos && kubelet > components, plan.stdout);
        assertEquals(mutating(plan.requests).length, 0);
      } finally {
        await cloud.close();
        await Deno.remove(dir, { recursive: true });
      }
    },
  ),
);
