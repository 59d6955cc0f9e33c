import { assertEquals, assertOk } from "../../tests/assert.ts";
import { hostCertificate } from "../../tests/tls_fixtures.ts";
import { certificateProblem } from "../bootstrap/doctor_endpoints.ts";
import { createEndpointProbes, peerCertificate } from "./doctor_probes.ts";
import { startDnsServer } from "../../tests/local_cloud/dns_server.ts";

Deno.test("peerCertificate() reads the names and validity a TLS server presents for the SNI name, untrusted here", async () => {
  const notBefore = new Date("2026-01-01T00:00:00Z");
  const { leaf } = await hostCertificate("argo.example.com", {
    notBefore,
    validityDays: 90,
    caValidityDays: 365,
    caName: "test ca",
  });
  const listener = Deno.listenTls({ hostname: "127.0.0.1", port: 0, cert: leaf.certPem, key: leaf.keyPem });
  const served = (async () => {
    for await (const conn of listener) {
      await conn.handshake().catch(() => {});
      conn.close();
    }
  })();
  try {
    const cert = await peerCertificate("argo.example.com", listener.addr.port, "127.0.0.1");
    assertEquals(cert.names, ["argo.example.com"]);
    assertEquals(cert.validTo.toISOString(), "2026-04-01T00:00:00.000Z");
    assertEquals(cert.trusted, false, "issued by a CA the system does not trust");
    assertOk(cert.trustError, "the reason is kept");
    const at = new Date("2026-02-01T00:00:00Z");
    assertEquals(
      certificateProblem("grafana.example.com", cert, at),
      "the certificate is for argo.example.com, not grafana.example.com",
    );
  } finally {
    listener.close();
    await served;
  }
});

Deno.test("the endpoint probes report an unresolvable name and an HTTP status without following redirects", async () => {
  const probes = createEndpointProbes({
    fetch: (_url, init) => {
      assertEquals(init?.redirect, "manual");
      return Promise.resolve(new Response(null, { status: 302, headers: { location: "/login" } }));
    },
  });
  assertEquals(await probes.http("https://grafana.example.com/"), 302);
  const err = await probes.resolve("name-that-does-not-exist.invalid").then(() => undefined, (e: unknown) => e);
  assertOk(err instanceof Error, "a .invalid name never resolves (RFC 6761)");
});

Deno.test("with a name server the probes resolve through it and connect to its address; the HTTP probe verifies the chain", async () => {
  const notBefore = new Date(Date.now() - 3_600_000);
  const { leaf } = await hostCertificate("argo.example.com", {
    notBefore,
    validityDays: 1,
    caValidityDays: 2,
    caName: "probe ca",
  });
  // An address no system resolver gives for argo.example.com: reaching it proves the lookup went through ours.
  const listener = Deno.listenTls({ hostname: "127.0.0.9", port: 0, cert: leaf.certPem, key: leaf.keyPem });
  const requests: string[] = [];
  const served = (async () => {
    for await (const conn of listener) {
      try {
        const buf = new Uint8Array(4096);
        const n = await conn.read(buf);
        requests.push(new TextDecoder().decode(buf.subarray(0, n ?? 0)).split("\r\n")[0]!);
        await conn.write(new TextEncoder().encode("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"));
      } catch {
        // a probe that only looked at the certificate hangs up
      } finally {
        conn.close();
      }
    }
  })();
  await using dns = await startDnsServer((name) =>
    name === "argo.example.com" ? [{ type: "A", content: "127.0.0.9" }] : []
  );
  try {
    const probes = createEndpointProbes({
      nameServer: { ipAddr: dns.hostname, port: dns.port },
      port: listener.addr.port,
      fetch: () => Promise.reject(new Error("fetch asks the system resolver: not used with a name server")),
    });
    assertEquals(await probes.resolve("argo.example.com"), ["127.0.0.9"]);
    const cert = await probes.certificate("argo.example.com");
    assertEquals([cert.names, cert.trusted], [["argo.example.com"], false]);
    const err = await probes.http("https://argo.example.com/").then(() => undefined, (e: unknown) => e);
    assertOk(
      err instanceof Error && /certificate/i.test(err.message),
      `an untrusted chain fails the HTTP probe: ${err}`,
    );
    const missing = await probes.certificate("grafana.example.com").then(() => undefined, (e: unknown) => e);
    assertOk(missing instanceof Error, "a name our server does not know is not connected to");
  } finally {
    listener.close();
    await served;
  }
});
