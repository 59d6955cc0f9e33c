/**
 * GrpcChannel ends sessions without a GOAWAY frame (a Deno process receiving one can abort inside nghttp2,
 * denoland/deno#36788), and recovers cleanly when the server sends one. Checked on the server side: a
 * `node:http2` server session emits `goaway` for every GOAWAY frame it receives.
 */
import http2 from "node:http2";
import { assertEquals, assertOk } from "../../../tests/assert.ts";
import { generateCa, issueCertificate } from "../pki.ts";
import { GrpcChannel } from "./channel.ts";
import { encodeGrpcFrame } from "./framing.ts";

const HOST = "127.0.41.70";
const notBefore = new Date(Date.now() - 60_000);
const ca = await generateCa({ algorithm: "Ed25519", commonName: "test", notBefore, validityDays: 1 });
const serverCert = await issueCertificate(ca, {
  algorithm: "Ed25519",
  commonName: "s",
  ipAddresses: [HOST],
  usage: "server",
  notBefore,
  validityDays: 1,
});

interface Observed {
  sessions: number;
  /** GOAWAY frames the server received from clients. */
  goaways: number;
  /** Sessions currently open on the server. */
  open: Set<http2.ServerHttp2Session>;
  port: number;
}

/** A gRPC server answering every call with one message [7] and status OK. */
async function withServer(test: (observed: Observed) => Promise<void>): Promise<void> {
  const server = http2.createSecureServer({ key: serverCert.keyPem, cert: serverCert.certPem });
  const observed: Observed = { sessions: 0, goaways: 0, open: new Set(), port: 0 };
  server.on("session", (session) => {
    observed.sessions++;
    observed.open.add(session);
    session.on("goaway", () => observed.goaways++);
    session.on("error", () => {});
    session.on("close", () => observed.open.delete(session));
  });
  server.on("stream", (stream, headers) => {
    stream.on("error", () => {});
    stream.resume();
    const reply = () => {
      if (stream.closed || stream.destroyed) return;
      stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      stream.end(encodeGrpcFrame(new Uint8Array([7])));
    };
    // "/p.S/Slow" answers 50 ms late, so a test can act while the call is in flight.
    stream.on("end", () => headers[":path"] === "/p.S/Slow" ? setTimeout(reply, 50) : reply());
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  observed.port = (server.address() as { port: number }).port;
  try {
    await test(observed);
  } finally {
    for (const s of observed.open) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const channelFor = (observed: Observed, idleTimeoutMs?: number) =>
  new GrpcChannel({
    endpoint: `${HOST}:${observed.port}`,
    tls: { verifyServer: true, caPem: ca.certPem },
    ...(idleTimeoutMs ? { idleTimeoutMs } : {}),
  });

async function waitUntil(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

Deno.test("GrpcChannel.close() ends its session without sending a GOAWAY, call after call", async () => {
  await withServer(async (observed) => {
    for (let i = 0; i < 20; i++) {
      const channel = channelFor(observed);
      assertEquals(await channel.unary("/p.S/M", new Uint8Array([1])), new Uint8Array([7]));
      await channel.close();
    }
    await waitUntil("the server to see every session close", () => observed.open.size === 0);
    assertEquals(observed.sessions, 20);
    assertEquals(observed.goaways, 0);
  });
});

Deno.test("GrpcChannel drops an idle session without a GOAWAY and connects again for the next call", async () => {
  await withServer(async (observed) => {
    const channel = channelFor(observed, 30);
    try {
      assertEquals(await channel.unary("/p.S/M", new Uint8Array([1])), new Uint8Array([7]));
      await waitUntil("the idle session to be dropped", () => observed.sessions === 1 && observed.open.size === 0);
      assertEquals(await channel.unary("/p.S/M", new Uint8Array([2])), new Uint8Array([7]));
      assertEquals(observed.sessions, 2);
      assertEquals(observed.goaways, 0);
    } finally {
      await channel.close();
    }
  });
});

Deno.test("GrpcChannel answers a server's GOAWAY by dropping the session silently and reconnects for the next call", async () => {
  await withServer(async (observed) => {
    const channel = channelFor(observed);
    try {
      assertEquals(await channel.unary("/p.S/M", new Uint8Array([1])), new Uint8Array([7]));
      const [first] = [...observed.open];
      assertOk(first, "a session is open");
      first.goaway(http2.constants.NGHTTP2_NO_ERROR, 1);
      // The client drops that session itself, without a GOAWAY of its own.
      await waitUntil("the client to drop the session", () => !observed.open.has(first));
      assertEquals(await channel.unary("/p.S/M", new Uint8Array([2])), new Uint8Array([7]));
      assertEquals(observed.sessions, 2);
      assertEquals(observed.goaways, 0);
    } finally {
      await channel.close();
    }
  });
});

Deno.test("GrpcChannel lets a call finish on a session the server is closing, then drops it", async () => {
  await withServer(async (observed) => {
    const channel = channelFor(observed);
    try {
      // A stream reply the test paces: the GOAWAY arrives while the call is in flight.
      const call = channel.serverStream("/p.S/Slow", new Uint8Array([1]));
      const first = call.next();
      await waitUntil("the session", () => observed.open.size === 1);
      const [session] = [...observed.open];
      session!.goaway(http2.constants.NGHTTP2_NO_ERROR, 1);
      assertEquals((await first).value, new Uint8Array([7]));
      assertEquals((await call.next()).done, true);
      await waitUntil("the client to drop the finished session", () => observed.open.size === 0);
      assertEquals(await channel.unary("/p.S/M", new Uint8Array([2])), new Uint8Array([7]));
      assertEquals(observed.sessions, 2);
      // No GOAWAY count here: with a call still running, node:http2 itself answers the server's GOAWAY
      // with one (it closes the session before our listener could drop it without failing the call).
      // Only a server that sent GOAWAY first receives it; the fake Talos nodes never send one.
    } finally {
      await channel.close();
    }
  });
});
