/**
 * The fake's etcd as the operator meets it: joining control planes are learners until promoted, members
 * of powered-off nodes stay listed but down, calls needing quorum fail without it, a removal that would
 * leave too few started voters is refused, and a removed member's node never rejoins.
 */
import { assertEquals, assertMatch } from "../assert.ts";
import { type TalosClient, TalosError } from "../../src/talos/api_client.ts";
import { createFakeTalosNetwork } from "./mod.ts";
import { createTestPki, startConfiguredNode, type TestPki } from "./fixtures.ts";
import { withFakes } from "../fake_contracts.ts";

const pki: TestPki = await createTestPki();

async function expectError(promise: Promise<unknown>, codeName: string, text: RegExp): Promise<void> {
  const err = await promise.then(() => undefined, (e) => e);
  if (!(err instanceof TalosError)) throw new Error(`expected TalosError ${codeName}, got ${err}`);
  assertEquals(err.codeName, codeName, err.message);
  assertMatch(err.message, text);
}

async function etcdService(client: TalosClient) {
  const services = (await client.serviceList())[0]!.services;
  const etcd = services.find((s) => s.id === "etcd")!;
  return { state: etcd.state, healthy: etcd.health?.healthy ?? false };
}

Deno.test(withFakes(
  "etcd: learners until promoted, quorum needed for the member list and removals, removed members stay out",
  async () => {
    const network = createFakeTalosNetwork();
    const addresses = ["127.0.42.11", "127.0.42.12", "127.0.42.13"];
    const nodes = await Promise.all(
      addresses.map((address) => startConfiguredNode(pki, address, { network, learnerPromotionMs: 2_000 })),
    );
    const [first, second, third] = nodes as [typeof nodes[0], typeof nodes[0], typeof nodes[0]];
    const members = async (client = first.admin, queryLocal = false) =>
      (await client.etcdMemberList({ queryLocal }))[0]!.members.map((m) => ({
        name: m.hostname,
        learner: m.isLearner,
      })).sort((a, b) => a.name.localeCompare(b.name));
    const powerOff = async (n: typeof first) => {
      n.node.scheduleShutdown();
      await n.node.waitForBoot();
    };
    try {
      await first.admin.bootstrap();
      assertEquals(await members(), [
        { name: addresses[0], learner: false },
        { name: addresses[1], learner: true },
        { name: addresses[2], learner: true },
      ]);
      assertEquals(await etcdService(second.admin), { state: "Running", healthy: false }, "a learner is not healthy");
      // Promotion 2 s after joining, on the real clock: long enough that the checks above run before it even
      // on a loaded machine (300 ms once was not), then read until it happened.
      const deadline = Date.now() + 10_000;
      while ((await members()).some((m) => m.learner) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      assertEquals((await members()).filter((m) => m.learner), [], "caught-up learners are promoted");
      assertEquals(await etcdService(second.admin), { state: "Running", healthy: true });

      // Two of three voters down: no quorum. The members stay listed; only a local read answers.
      await powerOff(second);
      await powerOff(third);
      await expectError(first.admin.etcdMemberList(), "DEADLINE_EXCEEDED", /context deadline exceeded/);
      assertEquals((await members(first.admin, true)).length, 3);
      const secondId = second.node.state.etcdMemberId!;
      await expectError(first.admin.etcdRemoveMemberById(secondId), "DEADLINE_EXCEEDED", /context deadline exceeded/);
      assertEquals(await etcdService(first.admin), { state: "Running", healthy: false });

      // One back: quorum (2 of 3). Removing the live third would leave 1 of 2 started: refused.
      await third.node.powerOn();
      assertEquals((await members()).length, 3);
      await expectError(
        first.admin.etcdRemoveMemberById(third.node.state.etcdMemberId!),
        "FAILED_PRECONDITION",
        /re-configuration failed due to not enough started members/,
      );
      await first.admin.etcdRemoveMemberById(secondId);
      await expectError(first.admin.etcdRemoveMemberById(secondId), "NOT_FOUND", /member not found/);
      assertEquals((await members()).map((m) => m.name), [addresses[0], addresses[2]]);

      // The removed member's node boots with its old member id: etcd there fails, it never rejoins.
      await second.node.powerOn();
      assertEquals(await etcdService(second.admin), { state: "Failed", healthy: false });
      assertEquals((await members()).map((m) => m.name), [addresses[0], addresses[2]]);
    } finally {
      for (const n of nodes) await n.cleanup();
    }
  },
));
