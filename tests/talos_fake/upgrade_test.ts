import { assertEquals, assertIncludes, assertOk } from "../assert.ts";
import { TalosError } from "../../src/talos/api_client.ts";
import { createFakeTalosNetwork } from "./mod.ts";
import { createTestPki, renderTestMachineConfig, startConfiguredNode, type TestPki } from "./fixtures.ts";
import { withFakes } from "../fake_contracts.ts";

const pki: TestPki = await createTestPki();
const INSTALLER = "factory.talos.dev/installer/376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba";

async function refusal(promise: Promise<unknown>): Promise<TalosError> {
  const err = await promise.then(() => undefined, (e) => e);
  assertOk(err instanceof TalosError, `expected a refusal, got ${err}`);
  return err;
}

Deno.test(withFakes("a control plane upgrades only while every etcd member is healthy, as Talos checks", async () => {
  const network = createFakeTalosNetwork();
  const nodes = [];
  for (const address of ["127.0.43.1", "127.0.43.2", "127.0.43.3"]) {
    nodes.push(await startConfiguredNode(pki, address, { network, learnerPromotionMs: 0 }));
  }
  const [a, b, c] = nodes as [typeof nodes[0], typeof nodes[0], typeof nodes[0]];
  try {
    await a.admin.bootstrap();
    const boots = a.node.state.rebootCount;
    c.node.scheduleShutdown();
    await c.node.waitForBoot();
    const down = await refusal(a.admin.upgrade({ image: `${INSTALLER}:v1.13.9` }));
    assertEquals(down.codeName, "UNKNOWN");
    assertIncludes(down.message, "error validating etcd for upgrade: etcd member");
    assertIncludes(down.message, "all members must be healthy to perform an upgrade");
    assertEquals(a.node.state.rebootCount, boots, "a refused upgrade does nothing");
    await c.node.powerOn();

    await b.admin.etcdLeaveCluster();
    const two = await refusal(a.admin.upgrade({ image: `${INSTALLER}:v1.13.9` }));
    assertIncludes(two.message, "etcd member count(2) is insufficient to maintain quorum if upgrade commences");
    // `preserve` (or `force`) skips the check, as in Talos.
    await a.admin.upgrade({ image: `${INSTALLER}:v1.13.9`, preserve: true });
    await a.node.waitForBoot();
    assertEquals(a.node.state.talosVersion, "v1.13.9");
  } finally {
    for (const n of nodes) await n.cleanup();
  }
}));

Deno.test(withFakes("an upgraded node boots and reports the installer's version", async () => {
  const network = createFakeTalosNetwork();
  const cp = await startConfiguredNode(pki, "127.0.43.11", { network });
  const worker = await startConfiguredNode(pki, "127.0.43.12", { network, type: "worker" });
  try {
    // A worker runs no etcd check at all.
    const boots = worker.node.state.rebootCount;
    await worker.admin.upgrade({ image: `${INSTALLER}:v1.14.1` });
    await worker.node.waitForBoot();
    assertEquals((await worker.admin.version())[0]?.version?.tag, "v1.14.1");
    assertEquals(worker.node.state.rebootCount, boots + 1);
    assertEquals(worker.node.state.installImage, `${INSTALLER}:v1.14.1`);
  } finally {
    await worker.cleanup();
    await cp.cleanup();
  }
}));

Deno.test(withFakes("a config applied without reboot that changes machine.kubelet restarts the kubelet", async () => {
  const { node, admin, cleanup } = await startConfiguredNode(pki, "127.0.43.21");
  const withKubelet = (image: string) =>
    renderTestMachineConfig(pki).replace("machine:\n", `machine:\n  kubelet:\n    image: ${image}\n`);
  const boots = node.state.rebootCount;
  try {
    await admin.applyConfiguration(withKubelet("ghcr.io/siderolabs/kubelet:v1.35.2"), { mode: "NO_REBOOT" });
    assertEquals(node.state.kubeletRestarts, 1);
    await admin.applyConfiguration(withKubelet("ghcr.io/siderolabs/kubelet:v1.35.2"), { mode: "AUTO" });
    assertEquals(node.state.kubeletRestarts, 1, "the same kubelet settings: nothing to restart");
    await admin.applyConfiguration(withKubelet("ghcr.io/siderolabs/kubelet:v1.36.3"), { mode: "AUTO" });
    assertEquals(node.state.kubeletRestarts, 2);
    assertEquals(node.state.rebootCount, boots);
    await admin.applyConfiguration(withKubelet("ghcr.io/siderolabs/kubelet:v1.35.2"), { mode: "REBOOT" });
    await node.waitForBoot();
    assertEquals([node.state.kubeletRestarts, node.state.rebootCount], [2, boots + 1], "a reboot starts a new kubelet");
  } finally {
    await cleanup();
  }
}));
