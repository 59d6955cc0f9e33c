/**
 * Connection teardown between our Talos client and the fake node, both in this one Deno process, never
 * carries a GOAWAY frame: Deno 2.9.6's nghttp2 can abort the process that receives one
 * (denoland/deno#36788, `find_stream_on_goaway_func: Assertion 'stream->closed_next == NULL'`), which once
 * killed the crash-resume e2e test while its fake nodes served the CLI. A rebooting node drops connections
 * (clients see UNAVAILABLE and connect again), a closing client drops its own.
 *
 * The stress test runs 200 connect/call/close cycles and 20 reboots (calls in flight while the node goes
 * down) against one node. It could not reproduce the abort before the fix on our machines (the issue's
 * trigger is a session idle for minutes); what it checks is that no GOAWAY is exchanged at all, so the
 * crash path is never entered, and that every call either succeeds or fails as UNAVAILABLE.
 */
import http2 from "node:http2";
import { assertEquals, assertOk } from "../assert.ts";
import { createMaintenanceClient, TalosError } from "../../src/talos/api_client.ts";
import { encodeGrpcFrame } from "../../src/talos/grpc/framing.ts";
import { startFakeTalosNode } from "./mod.ts";
import { withFakes } from "../fake_contracts.ts";

Deno.test(withFakes("a rebooting fake node drops its client connections without a GOAWAY", async () => {
  const node = await startFakeTalosNode({ hostname: "127.0.42.10", port: 0, rebootDelayMs: 10 });
  const session = http2.connect(`https://${node.endpoint}`, { rejectUnauthorized: false });
  let goaways = 0;
  session.on("goaway", () => goaways++);
  session.on("error", () => {});
  const closed = new Promise<void>((resolve) => session.once("close", () => resolve()));
  try {
    const status = await new Promise<string | undefined>((resolve, reject) => {
      const stream = session.request({
        ":method": "POST",
        ":path": "/machine.MachineService/Version",
        "content-type": "application/grpc",
        te: "trailers",
      });
      stream.on("error", reject);
      stream.on("data", () => {});
      stream.on("trailers", (trailers) => resolve(trailers["grpc-status"] as string | undefined));
      stream.end(encodeGrpcFrame(new Uint8Array()));
    });
    assertEquals(status, "0");

    node.scheduleReboot();
    await closed;
    await node.waitForBoot();
    assertEquals(goaways, 0);
    assertEquals(node.state.rebootCount, 1);
  } finally {
    session.destroy();
    await node.close();
  }
}));

Deno.test(withFakes(
  "200 connect/call/close cycles and 20 reboots against one fake node exchange no GOAWAY; calls succeed or fail UNAVAILABLE",
  async () => {
    const started = performance.now();
    const node = await startFakeTalosNode({ hostname: "127.0.42.11", port: 0, rebootDelayMs: 5 });
    const outcomes = { ok: 0, unavailable: 0 };
    // One long-lived client across reboots (it must reconnect) plus a fresh one per cycle.
    const shared = createMaintenanceClient({ endpoint: node.endpoint });
    const call = async (client: ReturnType<typeof createMaintenanceClient>) => {
      try {
        const [reply] = await client.version({ timeoutMs: 5000 });
        assertEquals(reply?.version?.tag, "v1.13.9");
        outcomes.ok++;
      } catch (err) {
        assertOk(err instanceof TalosError && err.codeName === "UNAVAILABLE", `unexpected failure: ${err}`);
        outcomes.unavailable++;
      }
    };
    try {
      for (let cycle = 1; cycle <= 200; cycle++) {
        const client = createMaintenanceClient({ endpoint: node.endpoint });
        if (cycle % 10 === 0) {
          // Reboot while calls are in flight on both clients.
          const inFlight = [call(client), call(shared)];
          node.scheduleReboot();
          await Promise.all(inFlight);
          await node.waitForBoot();
        } else {
          await call(client);
          await call(shared);
        }
        await client.close();
      }
      // After the last reboot both kinds of client work again.
      const last = createMaintenanceClient({ endpoint: node.endpoint });
      const before = outcomes.ok;
      await call(last);
      await call(shared);
      await last.close();
      assertEquals(outcomes.ok - before, 2);
    } finally {
      await shared.close();
      await node.close();
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `${outcomes.ok} calls ok, ${outcomes.unavailable} UNAVAILABLE during reboots, ` +
        `${node.state.rebootCount} reboots, ${node.state.goawaysReceived} GOAWAYs received, ${seconds.toFixed(1)} s`,
    );
    assertEquals(node.state.rebootCount, 20);
    assertEquals(node.state.goawaysReceived, 0);
    assertEquals(outcomes.ok + outcomes.unavailable, 402);
    assertOk(outcomes.ok >= 362, `only ${outcomes.ok} calls succeeded`);
    // No wall-clock limit: a call that hung would end DEADLINE_EXCEEDED after its 5 s, which `call` refuses,
    // while a limit on the whole loop only measured how busy the machine was (37.9 s beside other tests).
  },
));
