import assert from "node:assert/strict";
import tls from "node:tls";
import { hostCertificate } from "../tls_fixtures.ts";
import { IDLE_TIMEOUT_MS, serveMutualTls } from "./mtls_serve.ts";

/** Sends one HTTP/1.1 GET on `socket` and resolves with the status line of the answer. */
function get(socket: tls.TLSSocket): Promise<string> {
  return new Promise((resolve, reject) => {
    if (socket.readyState !== "open") return reject(new Error("the server closed the connection"));
    const onData = (chunk: Buffer) => {
      socket.off("close", onClose);
      resolve(String(chunk).split("\r\n")[0] ?? "");
    };
    const onClose = () => {
      socket.off("data", onData);
      reject(new Error("the server closed the connection"));
    };
    socket.once("data", onData);
    socket.once("close", onClose);
    socket.write("GET /version HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  });
}

Deno.test("an idle keep-alive connection stays usable past Node's 5 s default, as kube-apiserver keeps it 90 s", async () => {
  assert.equal(IDLE_TIMEOUT_MS, 90_000);
  const notBefore = new Date(Date.now() - 60_000);
  const { ca, leaf } = await hostCertificate("localhost", { notBefore, validityDays: 1, caValidityDays: 1 });
  const server = await serveMutualTls(
    { hostname: "127.0.0.1", port: 0, certPem: leaf.certPem, keyPem: leaf.keyPem, clientCaPem: ca.certPem },
    () => Promise.resolve(new Response("{}", { headers: { "content-type": "application/json" } })),
  );
  const socket = tls.connect({ host: "127.0.0.1", port: server.addr.port, rejectUnauthorized: false });
  try {
    await new Promise<void>((resolve) => socket.once("secureConnect", () => resolve()));
    assert.equal(await get(socket), "HTTP/1.1 200 OK");
    // Idle longer than Node's default keepAliveTimeout (5 s); client-go would reuse the connection now.
    await new Promise((resolve) => setTimeout(resolve, 6_500));
    assert.equal(await get(socket), "HTTP/1.1 200 OK");
  } finally {
    socket.destroy();
    await server.shutdown();
  }
});
