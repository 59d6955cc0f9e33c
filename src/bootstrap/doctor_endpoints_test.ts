import { assertEquals, assertOk } from "../../tests/assert.ts";
import {
  certificateNameMatches,
  certificateProblem,
  checkEndpoints,
  type EndpointProbes,
  type PresentedCertificate,
} from "./doctor_endpoints.ts";

const NOW = new Date("2026-03-01T12:00:00Z");
const cert = (names: string[], validTo = "2026-05-01T00:00:00Z"): PresentedCertificate => ({
  names,
  validFrom: new Date("2026-02-01T00:00:00Z"),
  validTo: new Date(validTo),
  trusted: true,
  issuer: "Let's Encrypt",
});

/** Probes answering from tables; a host absent from `dns` does not resolve. */
function probes(
  dns: Record<string, string[]>,
  certs: Record<string, PresentedCertificate | Error>,
  http: Record<string, number | Error>,
): EndpointProbes & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    resolve: (host) => {
      calls.push(`dns ${host}`);
      return dns[host] ? Promise.resolve(dns[host]!) : Promise.reject(new Error("NXDOMAIN"));
    },
    certificate: (host) => {
      calls.push(`tls ${host}`);
      const c = certs[host];
      return c instanceof Error || c === undefined ? Promise.reject(c ?? new Error("refused")) : Promise.resolve(c);
    },
    http: (url) => {
      calls.push(`http ${url}`);
      const s = http[url];
      return typeof s === "number" ? Promise.resolve(s) : Promise.reject(s ?? new Error("refused"));
    },
  };
}

const ENDPOINTS = [{ name: "Argo CD", host: "argo.example.com" }, { name: "Grafana", host: "grafana.example.com" }];

Deno.test("certificateNameMatches() takes exact names and one-label wildcards only", () => {
  assertOk(certificateNameMatches("argo.example.com", "ARGO.example.com."));
  assertOk(certificateNameMatches("argo.example.com", "*.example.com"));
  assertEquals(certificateNameMatches("a.b.example.com", "*.example.com"), false);
  assertEquals(certificateNameMatches("example.com", "*.example.com"), false);
  assertEquals(certificateNameMatches("grafana.example.com", "argo.example.com"), false);
});

Deno.test("certificateProblem() names a wrong host, an expired or not-yet-valid and an untrusted certificate", () => {
  assertEquals(certificateProblem("argo.example.com", cert(["argo.example.com"]), NOW), undefined);
  assertEquals(
    certificateProblem("argo.example.com", cert(["traefik.default"]), NOW),
    "the certificate is for traefik.default, not argo.example.com",
  );
  assertEquals(
    certificateProblem("argo.example.com", cert(["argo.example.com"], "2026-02-28T00:00:00Z"), NOW),
    "the certificate expired on 2026-02-28T00:00:00.000Z",
  );
  const future = { ...cert(["argo.example.com"]), validFrom: new Date("2026-04-01T00:00:00Z") };
  assertEquals(
    certificateProblem("argo.example.com", future, NOW),
    "the certificate is not valid before 2026-04-01T00:00:00.000Z",
  );
  const staging = { ...cert(["argo.example.com"]), trusted: false, trustError: "UNABLE_TO_GET_ISSUER_CERT_LOCALLY" };
  assertEquals(
    certificateProblem("argo.example.com", staging, NOW),
    "the certificate is not trusted (UNABLE_TO_GET_ISSUER_CERT_LOCALLY)",
  );
});

Deno.test("checkEndpoints() passes resolving endpoints with a valid certificate that answer HTTP", async () => {
  const p = probes(
    { "argo.example.com": ["192.0.2.10"], "grafana.example.com": ["192.0.2.10", "2001:db8::10"] },
    { "argo.example.com": cert(["argo.example.com"]), "grafana.example.com": cert(["*.example.com"]) },
    { "https://argo.example.com/": 200, "https://grafana.example.com/": 302 },
  );
  const result = await checkEndpoints(p, ENDPOINTS, { now: NOW, strict: true });
  assertEquals(result.checks.map((c) => [c.status, c.title, c.detail]), [
    [
      "ok",
      "Argo CD https://argo.example.com/",
      "resolves to 192.0.2.10, certificate valid until 2026-05-01, HTTP 200",
    ],
    [
      "ok",
      "Grafana https://grafana.example.com/",
      "resolves to 192.0.2.10, 2001:db8::10, certificate valid until 2026-05-01, HTTP 302",
    ],
  ]);
  assertEquals(result.endpoints[1], {
    name: "Grafana",
    host: "grafana.example.com",
    url: "https://grafana.example.com/",
    dns: { ok: true, addresses: ["192.0.2.10", "2001:db8::10"] },
    tls: { ok: true, validTo: "2026-05-01T00:00:00.000Z", issuer: "Let's Encrypt" },
    http: { ok: true, status: 302 },
  });
});

Deno.test("checkEndpoints() fails an unresolved name without probing further, and an expired or wrong-host certificate", async () => {
  const p = probes(
    { "argo.example.com": ["192.0.2.10"] },
    { "argo.example.com": cert(["argo.example.com"], "2026-02-01T00:00:00Z") },
    { "https://argo.example.com/": 200 },
  );
  const result = await checkEndpoints(p, ENDPOINTS, { now: NOW, strict: true });
  assertEquals(result.checks.map((c) => c.status), ["fail", "fail"]);
  assertEquals(
    result.checks[0]!.detail,
    "the certificate expired on 2026-02-01T00:00:00.000Z",
  );
  assertOk(result.checks[0]!.hint?.includes("kubectl get certificate -A"));
  assertEquals(
    result.checks[1]!.detail,
    [
      "grafana.example.com does not resolve: NXDOMAIN",
      "not checked: the name does not resolve",
      "not checked: the name does not resolve",
    ].join("; "),
  );
  assertOk(result.checks[1]!.hint?.includes("external-dns"));
  assertEquals(p.calls.filter((c) => c.includes("grafana")), ["dns grafana.example.com"]);

  const wrongHost = probes(
    { "argo.example.com": ["192.0.2.10"] },
    { "argo.example.com": cert(["TRAEFIK DEFAULT CERT"]) },
    { "https://argo.example.com/": new Error("invalid peer certificate: NotValidForName") },
  );
  const [argo] = (await checkEndpoints(wrongHost, ENDPOINTS.slice(0, 1), { now: NOW, strict: false })).checks;
  assertEquals(argo!.status, "warn", "while the cluster is being built, problems only warn");
  assertEquals(
    argo!.detail,
    "the certificate is for TRAEFIK DEFAULT CERT, not argo.example.com; " +
      "no HTTP answer: invalid peer certificate: NotValidForName",
  );
});

Deno.test("checkEndpoints() fails an endpoint whose ingress answers 5xx", async () => {
  const p = probes(
    { "argo.example.com": ["192.0.2.10"] },
    { "argo.example.com": cert(["argo.example.com"]) },
    { "https://argo.example.com/": 502 },
  );
  const result = await checkEndpoints(p, ENDPOINTS.slice(0, 1), { now: NOW, strict: true });
  assertEquals([result.checks[0]!.status, result.checks[0]!.detail], ["fail", "answered HTTP 502"]);
  assertEquals(result.endpoints[0]!.http, { ok: false, status: 502, error: "answered HTTP 502" });
});
