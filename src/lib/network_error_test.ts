import { assertEquals } from "../../tests/assert.ts";
import { classifyNetworkError } from "./network_error.ts";

/** A port on loopback that nothing listens on: bound once, then released. */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function fetchError(url: string): Promise<unknown> {
  try {
    const response = await fetch(url);
    await response.body?.cancel();
  } catch (err) {
    return err;
  }
  throw new Error(`fetch ${url} unexpectedly succeeded`);
}

Deno.test("classifyNetworkError() finds 'connection refused' behind Deno's 'fetch failed'", async () => {
  const err = await fetchError(`http://127.0.0.1:${closedPort()}/v1/servers`);
  assertEquals((err as Error).message, "fetch failed");
  assertEquals(classifyNetworkError(err), { kind: "refused", reason: "connection refused" });
});

Deno.test("classifyNetworkError() names a port Deno refuses to connect to", async () => {
  const err = await fetchError("http://127.0.0.1:9/v1/servers");
  assertEquals(classifyNetworkError(err).kind, "blocked");
  assertEquals(
    classifyNetworkError(err).reason,
    'port 9 is blocked by the runtime (a "bad port" of the fetch standard)',
  );
});

Deno.test("classifyNetworkError() tells a closed connection and a TLS failure apart", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const served = (async () => {
    for await (const conn of listener) {
      // Reads the request and hangs up without answering: a reset from the client's side.
      await conn.read(new Uint8Array(4096)).catch(() => null);
      conn.close();
    }
  })();
  try {
    assertEquals(classifyNetworkError(await fetchError(`http://127.0.0.1:${port}/`)).kind, "reset");
    // A plain-HTTP server behind an https:// URL fails the TLS handshake.
    assertEquals(classifyNetworkError(await fetchError(`https://127.0.0.1:${port}/`)).kind, "tls");
  } finally {
    listener.close();
    await served.catch(() => undefined);
  }
});

Deno.test("classifyNetworkError() recognises Deno's DNS, timeout and unknown failures", () => {
  const wrap = (inner: string) => new TypeError("fetch failed", { cause: new Error(inner) });
  assertEquals(
    classifyNetworkError(wrap(
      "error sending request for url (http://no-such-host.invalid/): client error (Connect): dns error: " +
        "failed to lookup address information: Name or service not known",
    )),
    { kind: "dns", reason: "host name not found (DNS lookup failed)" },
  );
  assertEquals(classifyNetworkError(new DOMException("signal timed out", "TimeoutError")).kind, "timeout");
  assertEquals(classifyNetworkError(wrap("something new")), { kind: "unknown", reason: "something new" });
});
