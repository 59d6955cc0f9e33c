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

/** Sends `request` on a new TLS connection and resolves with everything received until `done(text)` says so. */
async function exchange(port: number, request: string, done: (text: string) => boolean): Promise<string> {
  const socket = tls.connect({ host: "127.0.0.1", port, rejectUnauthorized: false });
  try {
    await new Promise<void>((resolve) => socket.once("secureConnect", () => resolve()));
    return await new Promise<string>((resolve, reject) => {
      let text = "";
      socket.on("data", (chunk: Buffer) => {
        text += String(chunk);
        if (done(text)) resolve(text);
      });
      socket.once("close", () => reject(new Error(`the server closed the connection after: ${text}`)));
      socket.write(request);
    });
  } finally {
    socket.destroy();
  }
}

/** A server for `handler` whose `?watch=true` requests are long-running, as the fake API's router marks them. */
async function serveWithWatches(handler: (req: Request) => Promise<Response>) {
  const notBefore = new Date(Date.now() - 60_000);
  const { ca, leaf } = await hostCertificate("localhost", { notBefore, validityDays: 1, caValidityDays: 1 });
  return await serveMutualTls({
    hostname: "127.0.0.1",
    port: 0,
    certPem: leaf.certPem,
    keyPem: leaf.keyPem,
    clientCaPem: ca.certPem,
    longRunning: (url) => url.searchParams.get("watch") === "true",
  }, handler);
}

Deno.test("a request's body reaches the handler whole; an answer that is not long-running comes with its length", async () => {
  const server = await serveWithWatches(async (req) =>
    new Response(`got ${req.method} ${new URL(req.url).pathname}: ${await req.text()}`)
  );
  try {
    const body = JSON.stringify({ spec: { replicas: 3 } });
    const text = await exchange(
      server.addr.port,
      `PATCH /apis/apps/v1/x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      (t) => t.includes("replicas"),
    );
    const [head, answer] = text.split("\r\n\r\n");
    assert.match(head!, /^HTTP\/1\.1 200 OK\r\n/);
    const expected = `got PATCH /apis/apps/v1/x: ${body}`;
    assert.match(head!, new RegExp(`\r\ncontent-length: ${expected.length}\r\n`, "i"));
    assert.equal(answer, expected);
  } finally {
    await server.shutdown();
  }
});

Deno.test("a long-running answer sends its headers before any of its body", async () => {
  const { promise: never, resolve: end } = Promise.withResolvers<void>();
  const server = await serveWithWatches(() => {
    // A watch with nothing to report yet: its body stays open.
    const body = new ReadableStream<Uint8Array>({ start: () => never });
    return Promise.resolve(new Response(body, { headers: { "content-type": "application/json" } }));
  });
  try {
    const text = await exchange(
      server.addr.port,
      "GET /api/v1/pods?watch=true HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
      (t) => t.includes("\r\n\r\n"),
    );
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(text, /\r\ntransfer-encoding: chunked\r\n/i);
  } finally {
    end();
    await server.shutdown();
  }
});
