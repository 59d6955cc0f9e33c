import http2 from "node:http2";
import { assertEquals, assertMatch, assertOk } from "../../../tests/assert.ts";
import { generateCa, issueCertificate } from "../pki.ts";
import { GrpcChannel } from "./channel.ts";
import { TalosError } from "./errors.ts";
import { encodeGrpcFrame } from "./framing.ts";

const notBefore = new Date(Date.now() - 60_000);
const ca = await generateCa({ algorithm: "Ed25519", commonName: "test", notBefore, validityDays: 1 });
const serverCert = await issueCertificate(ca, {
  algorithm: "Ed25519",
  commonName: "s",
  ipAddresses: ["127.0.41.60"],
  usage: "server",
  notBefore,
  validityDays: 1,
});

type Seen = { path: string; raw: string[] };

/** A bare node:http2 server whose replies each test scripts, so odd replies can be produced. */
async function withServer(
  reply: (stream: http2.ServerHttp2Stream, path: string) => void,
  test: (channel: GrpcChannel, seen: Seen[], sessions: () => number) => Promise<void>,
): Promise<void> {
  const seen: Seen[] = [];
  let sessions = 0;
  const server = http2.createSecureServer({ key: serverCert.keyPem, cert: serverCert.certPem });
  const open = new Set<http2.ServerHttp2Session>();
  server.on("session", (s) => {
    sessions++;
    open.add(s);
    s.on("close", () => open.delete(s));
  });
  server.on(
    "stream",
    (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, _flags: number, raw: unknown) => {
      const path = String(headers[":path"]);
      seen.push({ path, raw: raw as unknown as string[] });
      stream.on("error", () => {});
      stream.resume();
      stream.on("end", () => reply(stream, path));
    },
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.41.60", resolve));
  const port = (server.address() as { port: number }).port;
  const channel = new GrpcChannel({ endpoint: `127.0.41.60:${port}`, tls: { verifyServer: true, caPem: ca.certPem } });
  try {
    await test(channel, seen, () => sessions);
  } finally {
    await channel.close();
    for (const s of open) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

async function failure(promise: Promise<unknown>): Promise<TalosError> {
  const err = await promise.then(() => undefined, (e) => e);
  if (!(err instanceof TalosError)) throw new Error(`expected a TalosError, got ${err}`);
  return err;
}

Deno.test("GrpcChannel sends gRPC headers, one header field per metadata value, and reuses one connection", async () => {
  await withServer((stream) => {
    stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
    stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
    stream.end(encodeGrpcFrame(new Uint8Array([42])));
  }, async (channel, seen, sessions) => {
    for (let i = 0; i < 3; i++) {
      assertEquals(
        await channel.unary("/p.S/M", new Uint8Array([1]), { metadata: { nodes: ["a", "b"] }, timeoutMs: 5000 }),
        new Uint8Array([42]),
      );
    }
    assertEquals(sessions(), 1);
    const raw = seen[0]!.raw;
    const fields = (name: string) => raw.filter((_, i) => i % 2 === 1 && raw[i - 1] === name);
    assertEquals(fields("nodes"), ["a", "b"]);
    assertEquals(fields("content-type"), ["application/grpc"]);
    assertEquals(fields("te"), ["trailers"]);
    assertEquals(fields("grpc-timeout"), ["5000m"]);
  });
});

Deno.test("GrpcChannel reads the status of a trailers-only reply", async () => {
  await withServer((stream) => {
    stream.respond({
      ":status": 200,
      "content-type": "application/grpc",
      "grpc-status": "9",
      "grpc-message": "bootstrap is not available yet",
    }, { endStream: true });
  }, async (channel) => {
    const err = await failure(channel.unary("/machine.MachineService/Bootstrap", new Uint8Array()));
    assertEquals(err.codeName, "FAILED_PRECONDITION");
    assertEquals(err.details, "bootstrap is not available yet");
  });
});

Deno.test("GrpcChannel treats a reply without grpc-status as an error, not as success", async () => {
  await withServer((stream) => {
    stream.respond({ ":status": 200, "content-type": "application/grpc" });
    stream.end(encodeGrpcFrame(new Uint8Array([1])));
  }, async (channel) => {
    const err = await failure(channel.unary("/p.S/M", new Uint8Array()));
    assertEquals(err.codeName, "INTERNAL");
    assertMatch(err.details, /without a gRPC status/);
  });
});

Deno.test("GrpcChannel maps an HTTP 503 without gRPC status to UNAVAILABLE", async () => {
  await withServer((stream) => {
    stream.respond({ ":status": 503 }, { endStream: true });
  }, async (channel) => {
    assertEquals((await failure(channel.unary("/p.S/M", new Uint8Array()))).codeName, "UNAVAILABLE");
  });
});

Deno.test("GrpcChannel reports a refused connection as UNAVAILABLE and a closed channel too", async () => {
  const channel = new GrpcChannel({ endpoint: "127.0.41.61:1", tls: { verifyServer: true, caPem: ca.certPem } });
  const err = await failure(channel.unary("/p.S/M", new Uint8Array(), { timeoutMs: 5000 }));
  assertEquals(err.codeName, "UNAVAILABLE");
  assertOk(err.message.includes("127.0.41.61:1"));
  await channel.close();
  assertEquals((await failure(channel.unary("/p.S/M", new Uint8Array()))).details, "the channel was closed");
});

Deno.test("GrpcChannel dialled at another address checks the certificate against an IP servername", async () => {
  // A node whose certificate names its private IP, reached at a translated (loopback) address.
  const nodeCert = await issueCertificate(ca, {
    algorithm: "Ed25519",
    commonName: "node",
    ipAddresses: ["10.0.0.2"],
    usage: "server",
    notBefore,
    validityDays: 1,
  });
  const server = http2.createSecureServer({ key: nodeCert.keyPem, cert: nodeCert.certPem });
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (s) => sessions.add(s));
  server.on("stream", (stream: http2.ServerHttp2Stream) => {
    stream.on("error", () => {});
    stream.resume();
    stream.on(
      "end",
      () =>
        stream.respond({ ":status": 200, "content-type": "application/grpc", "grpc-status": "5" }, { endStream: true }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.41.62", resolve));
  const port = (server.address() as { port: number }).port;
  const channel = (servername: string) =>
    new GrpcChannel({ endpoint: `127.0.41.62:${port}`, tls: { verifyServer: true, caPem: ca.certPem, servername } });
  const right = channel("10.0.0.2");
  const wrong = channel("10.0.0.3");
  try {
    // The call reaches the server (its NOT_FOUND status), so TLS verified against 10.0.0.2.
    assertEquals((await failure(right.unary("/p.S/M", new Uint8Array()))).codeName, "NOT_FOUND");
    const refused = await failure(wrong.unary("/p.S/M", new Uint8Array(), { timeoutMs: 5000 }));
    assertEquals(refused.codeName, "UNAVAILABLE");
    assertMatch(refused.message, /10\.0\.0\.3/);
  } finally {
    await right.close();
    await wrong.close();
    for (const s of sessions) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
