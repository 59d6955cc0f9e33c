import { assertEquals } from "../assert.ts";
import { startHcloudSimulator } from "../hcloud_sim/mod.ts";
import { hcloud } from "./test_helpers.ts";
import { PrivateNetwork } from "./private_network.ts";

/** A TCP server that answers every connection with `name` and closes it. */
function namedServer(name: string): { backend: { hostname: string; port: number }; close: () => void } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  (async () => {
    for await (const conn of listener) {
      await conn.write(new TextEncoder().encode(name)).catch(() => {});
      conn.close();
    }
  })().catch(() => {});
  return {
    backend: { hostname: "127.0.0.1", port: (listener.addr as Deno.NetAddr).port },
    close: () => listener.close(),
  };
}

async function whoAnswers(hostname: string, port: number): Promise<string> {
  const conn = await Deno.connect({ hostname, port });
  try {
    const chunks: Uint8Array[] = [];
    for await (const chunk of conn.readable) chunks.push(chunk);
    return new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c])));
  } catch {
    return "";
  }
}

Deno.test("a private IP taken by a new server before the deleted one's port closed answers for the new server", async () => {
  await using sim = await startHcloudSimulator({ speed: 10_000 });
  const { body } = await hcloud(sim.url, "POST", "/networks", { name: "n", ip_range: "10.0.0.0/16" });
  const networkId = body.network.id as number;
  const net = new PrivateNetwork({ sim, log: () => {} });
  const oldNode = namedServer("old");
  const newNode = namedServer("new");
  try {
    const where = { networkId, privateIp: "10.0.0.2" };
    const address = net.loopbackOf(networkId, "10.0.0.2");
    await net.openServerPort(1, where, 50000, () => oldNode.backend);
    assertEquals(await whoAnswers(address, 50000), "old");
    // Server 1 was deleted and Hetzner gave 10.0.0.2 to server 2; server 1's teardown has not run yet.
    await net.openServerPort(2, where, 50000, () => newNode.backend);
    assertEquals(await whoAnswers(address, 50000), "new");
    // The late teardown of server 1 leaves server 2's port alone.
    await net.closeServerPort(1, 50000);
    assertEquals(await whoAnswers(address, 50000), "new");
    await net.closeServerPort(2, 50000);
    const refused = await Deno.connect({ hostname: address, port: 50000 }).then((c) => (c.close(), false), () => true);
    assertEquals(refused, true, "nothing listens once server 2 closed it");
  } finally {
    await net.close();
    oldNode.close();
    newNode.close();
  }
});
