import { assertEquals, assertIncludes, assertRejects, assertThrows } from "../../../tests/assert.ts";
import { parseBindAddress, startOperatorHttpServer } from "./http_server.ts";
import { OperatorMetrics } from "./metrics.ts";

Deno.test("the probe server binds only the given address: reachable there, refused on another loopback IP", async () => {
  let ready: string | undefined = "caches not synced";
  const metrics = new OperatorMetrics(["Running"]);
  metrics.setLeader(true);
  const server = await startOperatorHttpServer({
    address: "127.0.0.2:0",
    healthz: () => undefined,
    readyz: () => ready,
    metrics,
  });
  try {
    const base = `http://127.0.0.2:${server.port}`;
    const health = await fetch(`${base}/healthz`);
    assertEquals([health.status, await health.text()], [200, "ok"]);
    const notReady = await fetch(`${base}/readyz?verbose`);
    assertEquals([notReady.status, await notReady.text()], [503, "not ok: caches not synced"]);
    ready = undefined;
    assertEquals(await (await fetch(`${base}/readyz`)).text(), "ok");
    const scraped = await fetch(`${base}/metrics`);
    assertIncludes(scraped.headers.get("content-type") ?? "", "text/plain; version=0.0.4");
    assertIncludes(await scraped.text(), "k8zner_leader 1\n");
    const missing = await fetch(`${base}/debug/pprof`);
    assertEquals([missing.status, await missing.text()], [404, "not found"]);
    await assertRejects(() => fetch(`http://127.0.0.1:${server.port}/healthz`), TypeError);
  } finally {
    await server.close();
  }
});

Deno.test("parseBindAddress() refuses wildcard and host-less addresses, accepts IPs and localhost", () => {
  for (const bad of [":8081", "0.0.0.0:8081", "[::]:8081", "8081"]) {
    assertThrows(() => parseBindAddress(bad), TypeError, bad);
  }
  assertThrows(() => parseBindAddress("example.com:8081"), TypeError);
  assertThrows(() => parseBindAddress("10.0.0.2:70000"), RangeError);
  assertEquals(parseBindAddress("10.0.0.2:8081"), { hostname: "10.0.0.2", port: 8081 });
  assertEquals(parseBindAddress("[fd00::2]:8080"), { hostname: "fd00::2", port: 8080 });
  assertEquals(parseBindAddress("localhost:0"), { hostname: "localhost", port: 0 });
});
