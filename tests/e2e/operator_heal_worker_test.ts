/**
 * Healing a worker, end to end: on a cluster made by the real `apply`, a worker powered off as a user
 * would in the Hetzner console stays NotReady past `spec.healthCheck.nodeNotReadyThreshold` (set with
 * `kubectl patch`), and the real operator replaces it: a new server under the same name, its Node Ready.
 *
 * @module
 */
import { assertEquals, assertNotEquals, assertOk } from "../assert.ts";
import { withFakes } from "../fake_contracts.ts";
import { controlPlaneNames, powerOff, startScenario, workerNames } from "./operator_scenario.ts";

Deno.test(withFakes(
  "a powered-off worker is replaced after the NotReady threshold: new server, same name, Node Ready",
  async (t) => {
    const started = Date.now();
    await using s = await startScenario("hw", "dev", 1, { threshold: "5s" });
    const all = [...controlPlaneNames("hw", 1), ...workerNames("hw", 1)];

    await t.step("the cluster runs with one worker, CNIReady", async () => {
      await s.waitForReadyNodes(all);
      await s.until("CNIReady True", () => s.condition("CNIReady")?.status === "True");
    });

    await t.step("hw-w-1 powered off is replaced by a new server of the same name", async () => {
      const old = s.servers().get("hw-w-1")!;
      const t0 = Date.now();
      await powerOff(s.cloud, old.id);
      const notReady = await s.until("hw-w-1 NotReady", () => s.nodes()["hw-w-1"] === "Unknown" && Date.now(), 30_000);
      console.log(`power-off to NotReady: ${notReady - t0} ms`);
      const replaced = await s.until("a new hw-w-1 server", () => {
        const now = s.servers().get("hw-w-1");
        return now && now.id !== old.id && now;
      }, 90_000);
      console.log(`power-off to replacement server: ${Date.now() - t0} ms`);
      // Not before the threshold (5 s; the Node's transition time has whole seconds, hence the 1 s slack).
      assertOk(Date.now() - notReady >= 4_000, `replaced ${Date.now() - notReady} ms after NotReady`);
      assertNotEquals(replaced.id, old.id);
      assertEquals(s.cloud.sim.state.servers.has(old.id), false, "the dead server was deleted");
      await s.waitForReadyNodes(all, 90_000);
      const node = s.store().getObject("v1", "Node", "hw-w-1")!;
      assertEquals((node.spec as { providerID: string }).providerID, `hcloud://${replaced.id}`);
      await s.until("WorkersReady True", () => s.condition("WorkersReady")?.status === "True");
      assertEquals([...s.servers().keys()].sort(), all.sort(), "no extra server");
      assertOk(s.events().some((e) => e.includes("hw-w-1") && /replac/i.test(e)), s.events().join("\n"));
      console.log(`power-off to Ready replacement: ${Date.now() - t0} ms; scenario ${Date.now() - started} ms`);
    });
  },
));
