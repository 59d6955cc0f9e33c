import { assertEquals, assertIncludes, assertMatch, assertOk, assertRejects, fail } from "../assert.ts";
import {
  createMaintenanceClient,
  createTalosClient,
  GrpcCode,
  NodeError,
  TalosError,
} from "../../src/talos/api_client.ts";
import { createFakeTalosNetwork, startFakeTalosNode } from "./mod.ts";
import { createTestPki, fillEtcd, renderTestMachineConfig, startConfiguredNode, type TestPki } from "./fixtures.ts";
import { withFakes } from "../fake_contracts.ts";

const pki: TestPki = await createTestPki();

function configuredNode(address: string, options: Parameters<typeof startConfiguredNode>[2] = {}) {
  return startConfiguredNode(pki, address, options);
}

async function expectTalosError(promise: Promise<unknown>, codeName: string, text?: RegExp): Promise<TalosError> {
  try {
    await promise;
  } catch (err) {
    if (!(err instanceof TalosError)) throw new Error(`expected TalosError ${codeName}, got ${err}`, { cause: err });
    assertEquals(err.codeName, codeName, err.message);
    if (text) assertMatch(err.message, text);
    return err;
  }
  throw new Error(`expected TalosError ${codeName}, but the call succeeded`);
}

Deno.test(
  withFakes("maintenance client applies the first config and the node reboots into mutual-TLS mode", async () => {
    const node = await startFakeTalosNode({ hostname: "127.0.41.1", port: 0, rebootDelayMs: 10 });
    try {
      assertEquals(node.state.mode, "maintenance");
      const maintenance = createMaintenanceClient({ endpoint: node.endpoint });
      const [version] = await maintenance.version();
      assertEquals(version?.version?.tag, "v1.13.9");
      const replies = await maintenance.applyConfiguration(renderTestMachineConfig(pki, { hostname: "cp-1" }), {
        mode: "REBOOT",
      });
      // Talos turns REBOOT into NO_REBOOT in maintenance mode.
      assertEquals(replies.map((r) => r.mode), ["NO_REBOOT"]);
      await maintenance.close();
      await node.waitForBoot();
      assertEquals(node.state.mode, "configured");
      assertEquals(node.state.config?.hostname, "cp-1");
      assertEquals(node.state.applyHistory, [{ mode: "REBOOT", dryRun: false, inMaintenance: true }]);

      const admin = createTalosClient({ endpoint: node.endpoint, caPem: pki.ca.certPem, ...pki.admin });
      const [configured] = await admin.version();
      assertEquals(configured?.platform, { name: "hcloud", mode: "cloud" });
      assertEquals(configured?.node, undefined);
      await admin.close();
    } finally {
      await node.close();
    }
  }),
);

Deno.test(withFakes("maintenance mode refuses admin-only calls and node forwarding like Talos", async () => {
  const node = await startFakeTalosNode({ hostname: "127.0.41.2", port: 0 });
  // A client with a cluster certificate cannot verify the maintenance certificate either.
  const admin = createTalosClient({ endpoint: node.endpoint, caPem: pki.ca.certPem, ...pki.admin });
  try {
    const maintenance = createMaintenanceClient({ endpoint: node.endpoint });
    await expectTalosError(admin.version(), "UNAVAILABLE", /TLS handshake failed/);
    const services = await maintenance.serviceList();
    assertEquals(services[0]?.services.map((s) => s.id), ["machined", "udevd"]);
    await maintenance.close();
    const insecureAdmin = createTalosClient({ endpoint: node.endpoint, caPem: node.maintenanceCaPem, ...pki.admin });
    await expectTalosError(insecureAdmin.bootstrap(), "PERMISSION_DENIED", /not authorized/);
    await expectTalosError(
      insecureAdmin.version({ nodes: ["127.0.41.99"] }),
      "PERMISSION_DENIED",
      /no request forwarding/,
    );
    await insecureAdmin.close();
    assertEquals(node.state.mode, "maintenance");
  } finally {
    await admin.close();
    await node.close();
  }
}));

Deno.test(withFakes(
  "configured node rejects a client certificate from another CA and a client that does not trust it",
  async () => {
    const { node, admin, cleanup } = await configuredNode("127.0.41.3");
    const stranger = await createTestPki();
    const foreignClient = createTalosClient({ endpoint: node.endpoint, caPem: pki.ca.certPem, ...stranger.admin });
    const distrustful = createTalosClient({ endpoint: node.endpoint, caPem: stranger.ca.certPem, ...pki.admin });
    try {
      await expectTalosError(foreignClient.version(), "UNAVAILABLE");
      assertEquals(node.state.rejectedClients.length, 1);
      assertMatch(node.state.rejectedClients[0]!, /not signed by the OS CA/);
      await expectTalosError(distrustful.version(), "UNAVAILABLE", /TLS handshake failed/);
      // The right credentials still work on the same node.
      assertEquals((await admin.version()).length, 1);
    } finally {
      await foreignClient.close();
      await distrustful.close();
      await cleanup();
    }
  },
));

Deno.test(withFakes("an os:reader certificate can read but cannot bootstrap, as Talos denies it", async () => {
  const { node, admin, cleanup } = await configuredNode("127.0.41.4");
  const reader = createTalosClient({ endpoint: node.endpoint, caPem: pki.ca.certPem, ...pki.reader });
  try {
    assertEquals((await reader.version())[0]?.version?.tag, "v1.13.9");
    const error = await expectTalosError(reader.bootstrap(), "PERMISSION_DENIED", /not authorized/);
    assertEquals(error.code, GrpcCode.PERMISSION_DENIED);
    assertEquals(node.state.bootstrapped, false);
    await expectTalosError(reader.kubeconfig(), "PERMISSION_DENIED");
    assertEquals(node.state.calls.at(-1), { method: "Kubeconfig", roles: ["os:reader"], code: 7 });
    await admin.bootstrap();
    assertEquals(node.state.bootstrapped, true);
  } finally {
    await reader.close();
    await cleanup();
  }
}));

Deno.test(withFakes("bootstrap succeeds once; the second call fails with AlreadyExists like real Talos", async () => {
  const { node, admin, cleanup } = await configuredNode("127.0.41.5");
  try {
    assertEquals(await admin.bootstrap(), [{ node: undefined }]);
    await expectTalosError(admin.bootstrap(), "ALREADY_EXISTS", /etcd data directory is not empty/);
    const services = (await admin.serviceList())[0]!.services;
    assertEquals(services.find((s) => s.id === "etcd")?.state, "Running");
    assertEquals(services.find((s) => s.id === "kubelet")?.health?.healthy, true);
    assertOk(node.state.etcdMemberId);
  } finally {
    await cleanup();
  }
}));

Deno.test(withFakes("bootstrap on a worker is unimplemented and the kubeconfig too", async () => {
  // A worker gets its API certificate from a control plane with the same OS CA (trustd).
  const network = createFakeTalosNetwork();
  const cp = await configuredNode("127.0.41.16", { network });
  const { admin, cleanup } = await configuredNode("127.0.41.6", { type: "worker", network });
  try {
    await expectTalosError(admin.bootstrap(), "UNIMPLEMENTED", /only available on control plane nodes/);
    await expectTalosError(admin.kubeconfig(), "UNIMPLEMENTED");
    const ids = (await admin.serviceList())[0]!.services.map((s) => s.id);
    assertEquals(ids.includes("etcd"), false);
  } finally {
    await cleanup();
    await cp.cleanup();
  }
}));

Deno.test(withFakes("kubeconfig() returns the file from the streamed gzip tar, across many chunks", async () => {
  const big = "apiVersion: v1\nkind: Config\n# " + "x".repeat(50_000) + "\n";
  const { admin, cleanup } = await configuredNode("127.0.41.7", { kubeconfig: () => big });
  try {
    assertEquals(await admin.kubeconfig(), big);
  } finally {
    await cleanup();
  }
}));

Deno.test(withFakes(
  "etcd membership: list, forfeit leadership, remove by id, leave cluster across three control planes",
  async () => {
    const network = createFakeTalosNetwork();
    const nodes = await Promise.all(
      // Promotion after 1 s: long enough that a loaded machine still sees the learners first.
      ["127.0.41.11", "127.0.41.12", "127.0.41.13"].map((address) =>
        configuredNode(address, { network, learnerPromotionMs: 1_000 })
      ),
    );
    const [first, second, third] = nodes as [typeof nodes[0], typeof nodes[0], typeof nodes[0]];
    try {
      await first.admin.bootstrap();
      let members = (await second.admin.etcdMemberList())[0]!.members;
      assertEquals(members.map((m) => m.hostname).sort(), ["127.0.41.11", "127.0.41.12", "127.0.41.13"]);
      // The others joined as learners; Talos promotes them once caught up.
      assertEquals(members.filter((m) => m.isLearner).map((m) => m.hostname).sort(), ["127.0.41.12", "127.0.41.13"]);
      for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
        await new Promise((r) => setTimeout(r, 100));
        members = (await second.admin.etcdMemberList())[0]!.members;
        if (!members.some((m) => m.isLearner)) break;
      }
      assertEquals(members.filter((m) => m.isLearner), []);
      assertOk(members.every((m) => typeof m.id === "bigint" && m.id > 2n ** 53n), "ids keep 64-bit precision");

      assertEquals((await first.admin.etcdForfeitLeadership())[0]?.member, "127.0.41.11");
      assertEquals((await first.admin.etcdForfeitLeadership())[0]?.member, "", "no longer the leader");

      await third.admin.etcdLeaveCluster();
      assertEquals(third.node.state.etcdMemberId, undefined);
      const secondId = second.node.state.etcdMemberId!;
      await first.admin.etcdRemoveMemberById(secondId);
      assertEquals((await first.admin.etcdMemberList())[0]!.members.map((m) => m.hostname), ["127.0.41.11"]);
      await expectTalosError(first.admin.etcdRemoveMemberById(secondId), "NOT_FOUND", /member not found/);
    } finally {
      for (const n of nodes) await n.cleanup();
    }
  },
));

Deno.test(
  withFakes("a multi-node reply with one failing node yields its result plus a NodeError for the other", async () => {
    const network = createFakeTalosNetwork();
    const a = await configuredNode("127.0.41.21", { network });
    const b = await configuredNode("127.0.41.22", { network });
    try {
      const both = await a.admin.version({ nodes: ["127.0.41.21", "127.0.41.22"] });
      assertEquals(both.map((r) => r.node), ["127.0.41.21", "127.0.41.22"]);

      b.node.faults.failNext("Version", GrpcCode.UNAVAILABLE, "etcd is sad");
      const error = await a.admin.version({ nodes: ["127.0.41.21", "127.0.41.22"] }).then(
        () => fail("expected a NodeError"),
        (err) => err,
      );
      if (!(error instanceof NodeError)) throw error;
      assertEquals(error.node, "127.0.41.22");
      assertEquals(error.cause.codeName, "UNAVAILABLE");
      assertEquals(error.cause.details, "etcd is sad");
      assertEquals((error.results as Array<{ node?: string }>).map((r) => r.node), ["127.0.41.21"]);

      // One-to-one proxying through the endpoint passes the target's status through unchanged.
      await expectTalosError(a.admin.version({ node: "127.0.41.99" }), "UNAVAILABLE", /connection refused/);
    } finally {
      await a.cleanup();
      await b.cleanup();
    }
  }),
);

Deno.test(withFakes("a server stream cut midway surfaces as an error, never as a clean end", async () => {
  const { node, admin, cleanup } = await configuredNode("127.0.41.31");
  const dir = await Deno.makeTempDir();
  try {
    await admin.bootstrap();
    fillEtcd(node, 100_000);
    node.faults.cutStreamAfter("EtcdSnapshot", 2, { code: GrpcCode.INTERNAL, message: "disk on fire" });
    await expectTalosError(admin.etcdSnapshot(`${dir}/snap.db`), "INTERNAL", /disk on fire/);
    assertEquals([...Deno.readDirSync(dir)], [], "the partial file is removed");

    node.faults.cutStreamAfter("EtcdSnapshot", 1, "reset");
    await expectTalosError(admin.etcdSnapshot(`${dir}/snap.db`), "INTERNAL", /reset/);

    node.faults.cutStreamAfter("Kubeconfig", 0, { code: GrpcCode.UNAVAILABLE, message: "apiserver cert not ready" });
    await expectTalosError(admin.kubeconfig(), "UNAVAILABLE", /apiserver cert not ready/);

    const { bytes } = await admin.etcdSnapshot(`${dir}/snap.db`);
    assertEquals(bytes, 102_400 + 32, "the database's whole pages and its SHA-256");
    assertEquals(Deno.readFileSync(`${dir}/snap.db`), node.etcdSnapshotBytes());
    assertEquals(Deno.statSync(`${dir}/snap.db`).mode! & 0o777, 0o600);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await cleanup();
  }
}));

Deno.test(
  withFakes("a call past its deadline fails with DEADLINE_EXCEEDED and an aborted call with CANCELLED", async () => {
    const { node, admin, cleanup } = await configuredNode("127.0.41.32");
    try {
      node.faults.delayNext("ServiceList", 2_000);
      const started = Date.now();
      await expectTalosError(admin.serviceList({ timeoutMs: 100 }), "DEADLINE_EXCEEDED");
      assertOk(Date.now() - started < 1_500, "the deadline ended the call early");

      node.faults.delayNext("Version", 2_000);
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      await expectTalosError(admin.version({ signal: controller.signal }), "CANCELLED");
      // The connection stays usable after both.
      assertEquals((await admin.version()).length, 1);
    } finally {
      await cleanup();
    }
  }),
);

Deno.test(withFakes("apply modes, reboot, upgrade and reset change the node's state", async () => {
  const { node, admin, cleanup } = await configuredNode("127.0.41.33");
  try {
    // A control plane upgrades only with healthy etcd (one member here).
    await admin.bootstrap();
    const config = renderTestMachineConfig(pki, { hostname: "cp-renamed" });
    const [staged] = await admin.applyConfiguration(config, { mode: "STAGED" });
    assertEquals(staged?.mode, "STAGED");
    assertEquals(node.state.stagedConfig, config);
    assertEquals((await admin.applyConfiguration(config, { mode: "AUTO", dryRun: true }))[0]?.mode, "AUTO");
    assertEquals(node.state.applyHistory.at(-1), { mode: "AUTO", dryRun: true, inMaintenance: false });

    const [reboot] = await admin.reboot();
    assertMatch(reboot!.actorId, /^[0-9a-f-]{36}$/);
    await node.waitForBoot();
    assertEquals(node.state.rebootCount, 2);
    assertEquals(node.state.config?.hostname, "cp-renamed", "the staged config applies at reboot");

    // The reconnect after the reboot is transparent to the same client.
    const [upgrade] = await admin.upgrade({ image: "ghcr.io/siderolabs/installer:v1.14.0" });
    assertEquals(upgrade?.ack, "Upgrade request received");
    await node.waitForBoot();
    assertEquals((await admin.version())[0]?.version?.tag, "v1.14.0");

    await admin.reset({ graceful: true, reboot: true });
    await node.waitForBoot();
    assertEquals(node.state.mode, "maintenance");
    assertEquals(node.state.appliedConfig, undefined);
    assertEquals(node.state.resetCount, 1);
  } finally {
    await cleanup();
  }
}));

Deno.test(withFakes("the client refuses contradictory targeting and bad arguments before sending", async () => {
  const admin = createTalosClient({ endpoint: "127.0.41.34", caPem: pki.ca.certPem, ...pki.admin });
  assertEquals(admin.endpoint, "127.0.41.34:50000");
  await assertRejects(() => admin.version({ node: "a", nodes: ["b"] }), /either node or nodes/);
  await assertRejects(() => admin.etcdRemoveMemberById(0n), /positive bigint/);
  await assertRejects(() => admin.kubeconfig({ nodes: ["a", "b"] }), /call each node separately/);
  await admin.close();
  let caught: unknown;
  try {
    createTalosClient({ endpoint: "1.2.3.4", caPem: "nope", ...pki.admin });
  } catch (err) {
    caught = err;
  }
  assertIncludes(String(caught), "caPem is not a PEM document");
}));
