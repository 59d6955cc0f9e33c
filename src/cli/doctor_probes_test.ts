import { assertEquals, assertOk } from "../../tests/assert.ts";
import { generateCa, issueCertificate } from "../talos/pki.ts";
import { certificateProblem } from "../bootstrap/doctor_endpoints.ts";
import { createEndpointProbes, peerCertificate } from "./doctor_probes.ts";

Deno.test("peerCertificate() reads the names and validity a TLS server presents for the SNI name, untrusted here", async () => {
  const notBefore = new Date("2026-01-01T00:00:00Z");
  const ca = await generateCa({ algorithm: "ECDSA-P256", commonName: "test ca", notBefore, validityDays: 365 });
  const leaf = await issueCertificate(ca, {
    algorithm: "ECDSA-P256",
    commonName: "argo.example.com",
    dnsNames: ["argo.example.com"],
    usage: "server",
    notBefore,
    validityDays: 90,
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
