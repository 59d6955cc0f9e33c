import { assertEquals, assertIncludes, assertOk, assertRejects } from "../assert.ts";
import { createTalosClient, type TalosClient, TalosError } from "../../src/talos/api_client.ts";
import { checkSnapshot } from "../../src/cluster/backup/snapshot_integrity.ts";
import { createFakeTalosNetwork, type FakeTalosNetwork, startFakeTalosNode } from "./mod.ts";
import { createTestPki, fillEtcd, startConfiguredNode, type TestPki } from "./fixtures.ts";
import { encodeEtcdDb } from "./etcd_snapshot.ts";
import { withFakes } from "../fake_contracts.ts";

const pki: TestPki = await createTestPki();

/** The network's etcd, read anew (assertions on it would otherwise narrow the type for good). */
const etcdOf = (network: FakeTalosNetwork) => network.etcd;

async function takeSnapshot(admin: TalosClient): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  await admin.etcdSnapshot({ write: (c) => chunks.push(c) });
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const c of chunks) out.set(c, (offset += c.length) - c.length);
  return out;
}

async function expectCode(promise: Promise<unknown>, codeName: string, text?: string): Promise<void> {
  const err = await promise.then(() => undefined, (e) => e);
  assertOk(err instanceof TalosError, `expected TalosError ${codeName}, got ${err}`);
  assertEquals(err.codeName, codeName, err.message);
  if (text) assertIncludes(err.message, text);
}

async function etcdService(admin: TalosClient) {
  const [reply] = await admin.serviceList();
  return reply!.services.find((s) => s.id === "etcd")!;
}

Deno.test(
  withFakes("a snapshot recovered on a fresh control plane brings back exactly what etcd held", async () => {
    const network = createFakeTalosNetwork();
    const first = await startConfiguredNode(pki, "127.0.42.1", { network });
    await first.admin.bootstrap();
    const content = fillEtcd(first.node, 70_000);
    const snapshot = await takeSnapshot(first.admin);
    const check = checkSnapshot(snapshot);
    assertOk(check.ok, "the fake's snapshot passes etcd's integrity check");
    assertEquals(snapshot.length % 512, 32);
    await first.cleanup();
    assertOk(network.etcd === undefined, "with its only control plane deleted, the cluster's data is gone");

    const second = await startConfiguredNode(pki, "127.0.42.2", { network });
    try {
      assertEquals(await second.admin.etcdRecover(snapshot), { bytes: snapshot.length });
      assertEquals(second.node.state.recoverySnapshot, snapshot);
      await second.admin.bootstrap({ recoverEtcd: true });
      assertEquals(etcdOf(network)?.recoveredFrom, content);
      assertEquals(second.node.state.recoverySnapshot, undefined, "Talos deletes the snapshot once restored");
      assertEquals((await etcdService(second.admin)).state, "Running");
      assertEquals(await takeSnapshot(second.admin), snapshot, "the restored cluster holds the same data");
      await expectCode(second.admin.bootstrap(), "ALREADY_EXISTS", "etcd data directory is not empty");
    } finally {
      await second.cleanup();
    }
  }),
);

Deno.test(
  withFakes("EtcdRecover is refused to workers, non-admins and nodes in maintenance, as Talos does", async () => {
    const network = createFakeTalosNetwork();
    const cp = await startConfiguredNode(pki, "127.0.42.12", { network });
    const worker = await startConfiguredNode(pki, "127.0.42.11", { network, type: "worker" });
    const reader = createTalosClient({ endpoint: cp.node.endpoint, caPem: pki.ca.certPem, ...pki.reader });
    const fresh = await startFakeTalosNode({ hostname: "127.0.42.13", port: 0 });
    const insecureAdmin = createTalosClient({ endpoint: fresh.endpoint, caPem: fresh.maintenanceCaPem, ...pki.admin });
    const snapshot = new Uint8Array(4096 + 32);
    try {
      await expectCode(
        worker.admin.etcdRecover(snapshot),
        "UNIMPLEMENTED",
        "etcd recover is only available on control plane nodes",
      );
      await expectCode(reader.etcdRecover(snapshot), "PERMISSION_DENIED", "not authorized");
      await expectCode(insecureAdmin.etcdRecover(snapshot), "PERMISSION_DENIED", "not authorized");
      await assertRejects(
        () => cp.admin.etcdRecover(snapshot, { nodes: ["127.0.42.12"] } as never),
        TypeError,
        "target one node with node",
      );
      // Proxied to one node through another, as talosctl --nodes does with a single node.
      await cp.admin.etcdRecover(snapshot, { node: "127.0.42.12" });
      assertEquals(cp.node.state.recoverySnapshot, snapshot);
      assertEquals(worker.node.state.recoverySnapshot, undefined);
    } finally {
      await reader.close();
      await insecureAdmin.close();
      await fresh.close();
      await worker.cleanup();
      await cp.cleanup();
    }
  }),
);

Deno.test(
  withFakes(
    "a damaged snapshot fails etcd's start, not the Bootstrap call, and dirties the data directory",
    async () => {
      const source = await startConfiguredNode(pki, "127.0.42.21");
      await source.admin.bootstrap();
      fillEtcd(source.node, 9_000);
      const snapshot = await takeSnapshot(source.admin);
      await source.cleanup();

      const altered = snapshot.slice();
      altered[100] = altered[100]! ^ 0xff;
      const node = await startConfiguredNode(pki, "127.0.42.22");
      try {
        await node.admin.etcdRecover(altered);
        await node.admin.bootstrap({ recoverEtcd: true });
        const failed = await etcdService(node.admin);
        assertEquals(failed.state, "Failed");
        assertIncludes(failed.events.at(-1)!.msg, "error recovering from the snapshot");
        assertIncludes(failed.events.at(-1)!.msg, "does not match its content");
        assertEquals(etcdOf(node.node.network), undefined);
        // etcd's restore copied the database before it checked the hash: the data directory is not empty now.
        await node.admin.etcdRecover(snapshot);
        await expectCode(node.admin.bootstrap({ recoverEtcd: true }), "ALREADY_EXISTS");
      } finally {
        await node.cleanup();
      }
    },
  ),
);

Deno.test(
  withFakes("a snapshot without its hash recovers only with recover_skip_hash_check", async () => {
    const node = await startConfiguredNode(pki, "127.0.42.31");
    const content = new TextEncoder().encode("a copy of member/snap/db");
    const db = encodeEtcdDb(content);
    try {
      // Nothing uploaded: etcd cannot even open the snapshot; the data directory stays empty.
      await node.admin.bootstrap({ recoverEtcd: true });
      assertIncludes((await etcdService(node.admin)).events.at(-1)!.msg, "no such file or directory");

      await node.admin.etcdRecover(db);
      await node.admin.bootstrap({ recoverEtcd: true, recoverSkipHashCheck: true });
      assertEquals(etcdOf(node.node.network)?.recoveredFrom, content);
      assertEquals((await etcdService(node.admin)).state, "Running");
    } finally {
      await node.cleanup();
    }

    const strict = await startConfiguredNode(pki, "127.0.42.32");
    try {
      await strict.admin.etcdRecover(db);
      await strict.admin.bootstrap({ recoverEtcd: true });
      assertIncludes(
        (await etcdService(strict.admin)).events.at(-1)!.msg,
        "snapshot missing hash but --skip-hash-check=false",
      );
      assertEquals(etcdOf(strict.node.network), undefined);
    } finally {
      await strict.cleanup();
    }
  }),
);

Deno.test(withFakes("etcd's data outlives any one control plane but not all of them", async () => {
  const network = createFakeTalosNetwork();
  const a = await startConfiguredNode(pki, "127.0.42.41", { network, learnerPromotionMs: 0 });
  const b = await startConfiguredNode(pki, "127.0.42.42", { network, learnerPromotionMs: 0 });
  try {
    await a.admin.bootstrap();
    const etcd = network.etcd;
    assertEquals(etcd?.members.length, 2);
    await a.cleanup();
    assertOk(etcdOf(network) === etcd, "a member's node still holds the data");
    // Powered off is not gone: the disk keeps the data.
    b.node.scheduleShutdown();
    await b.node.waitForBoot();
    assertOk(etcdOf(network) === etcd);
  } finally {
    await b.cleanup();
  }
  assertEquals(etcdOf(network), undefined);
}));
