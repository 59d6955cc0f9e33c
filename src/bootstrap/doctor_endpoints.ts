/**
 * `k8zner doctor` with a domain: for each public endpoint (Argo CD, Grafana with monitoring) whether
 * its name resolves, whether it serves a certificate valid for the name and not expired, and whether
 * it answers HTTP. The probes are injected (the CLI passes DNS, TLS and fetch; tests pass their own);
 * judging their answers is pure.
 *
 * @module
 */
import type { DesiredState } from "../config/mod.ts";
import type { CheckStatus, DoctorCheck } from "./doctor_report.ts";

/** The certificate a TLS handshake presented. */
export interface PresentedCertificate {
  /** DNS names of the subjectAltName extension (and the subject CN when there are none). */
  names: string[];
  validFrom: Date;
  validTo: Date;
  /** The chain verified against the trusted roots (undefined: not checked by the probe). */
  trusted?: boolean;
  /** Why the chain is not trusted, e.g. `UNABLE_TO_GET_ISSUER_CERT_LOCALLY`. */
  trustError?: string;
  issuer?: string;
}

/** The network probes doctor uses; each throws when it gets no answer. */
export interface EndpointProbes {
  /** Addresses the name resolves to (A and AAAA); throws or returns [] when it does not resolve. */
  resolve(host: string): Promise<string[]>;
  /** The certificate served at `host:443` for SNI `host`. */
  certificate(host: string): Promise<PresentedCertificate>;
  /** The HTTP status of `GET url` (redirects not followed). */
  http(url: string): Promise<number>;
}

/** One probed endpoint, as `--json` reports it. */
export interface EndpointReport {
  name: string;
  host: string;
  url: string;
  dns: { ok: boolean; addresses?: string[]; error?: string };
  tls: { ok: boolean; validTo?: string; issuer?: string; error?: string };
  http: { ok: boolean; status?: number; error?: string };
}

/** The endpoints the config publishes: Argo CD always with a domain, Grafana with monitoring. Pure. */
export function publicEndpoints(desired: DesiredState): { name: string; host: string }[] {
  const out: { name: string; host: string }[] = [];
  if (desired.addons.argocd.enabled && desired.addons.argocd.host) {
    out.push({ name: "Argo CD", host: desired.addons.argocd.host });
  }
  const grafana = desired.addons.kubePrometheusStack;
  if (grafana.enabled && grafana.grafanaHost) out.push({ name: "Grafana", host: grafana.grafanaHost });
  return out;
}

/** True when `host` matches a certificate name (a `*.` wildcard covers exactly one label). Pure. */
export function certificateNameMatches(host: string, name: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, "");
  const n = name.toLowerCase().replace(/\.$/, "");
  if (!n.startsWith("*.")) return h === n;
  const rest = h.slice(h.indexOf(".") + 1);
  return h.indexOf(".") > 0 && rest === n.slice(2);
}

/** Why the certificate is not valid for `host` at `now`; undefined when it is. Pure. */
export function certificateProblem(host: string, cert: PresentedCertificate, now: Date): string | undefined {
  if (!cert.names.some((n) => certificateNameMatches(host, n))) {
    return `the certificate is for ${cert.names.join(", ") || "no name"}, not ${host}`;
  }
  if (now.getTime() > cert.validTo.getTime()) return `the certificate expired on ${cert.validTo.toISOString()}`;
  if (now.getTime() < cert.validFrom.getTime()) {
    return `the certificate is not valid before ${cert.validFrom.toISOString()}`;
  }
  if (cert.trusted === false) return `the certificate is not trusted (${cert.trustError ?? "unknown issuer"})`;
  return undefined;
}

const message = (err: unknown) => err instanceof Error ? err.message : String(err);

/**
 * Probes every endpoint. `strict` (the cluster is Running) makes a problem a failure; while the cluster
 * is still being built (DNS and certificates take minutes to appear) problems only warn.
 */
export async function checkEndpoints(
  probes: EndpointProbes,
  endpoints: { name: string; host: string }[],
  options: { now: Date; strict: boolean },
): Promise<{ checks: DoctorCheck[]; endpoints: EndpointReport[] }> {
  const bad: CheckStatus = options.strict ? "fail" : "warn";
  const reports = await Promise.all(endpoints.map(async (e): Promise<EndpointReport> => {
    const url = `https://${e.host}/`;
    const report: EndpointReport = {
      name: e.name,
      host: e.host,
      url,
      dns: { ok: false },
      tls: { ok: false },
      http: { ok: false },
    };
    try {
      const addresses = await probes.resolve(e.host);
      report.dns = addresses.length > 0
        ? { ok: true, addresses }
        : { ok: false, error: `${e.host} has no A or AAAA record` };
    } catch (err) {
      report.dns = { ok: false, error: `${e.host} does not resolve: ${message(err)}` };
    }
    if (!report.dns.ok) {
      report.tls.error = "not checked: the name does not resolve";
      report.http.error = "not checked: the name does not resolve";
      return report;
    }
    try {
      const cert = await probes.certificate(e.host);
      const problem = certificateProblem(e.host, cert, options.now);
      report.tls = {
        ok: problem === undefined,
        validTo: cert.validTo.toISOString(),
        ...(cert.issuer ? { issuer: cert.issuer } : {}),
        ...(problem ? { error: problem } : {}),
      };
    } catch (err) {
      report.tls = { ok: false, error: `no TLS handshake: ${message(err)}` };
    }
    try {
      const status = await probes.http(url);
      report.http = status < 500 ? { ok: true, status } : { ok: false, status, error: `answered HTTP ${status}` };
    } catch (err) {
      report.http = { ok: false, error: `no HTTP answer: ${message(err)}` };
    }
    return report;
  }));
  const checks = reports.map((r): DoctorCheck => {
    const problems = [r.dns, r.tls, r.http].filter((p) => !p.ok).map((p) => p.error!);
    const ok = problems.length === 0;
    return {
      id: `endpoint.https.${r.host}`,
      section: "Endpoints",
      title: `${r.name} ${r.url}`,
      status: ok ? "ok" : bad,
      detail: ok
        ? `resolves to ${r.dns.addresses!.join(", ")}, certificate valid until ${r.tls.validTo!.slice(0, 10)}, ` +
          `HTTP ${r.http.status}`
        : problems.join("; "),
      ...(ok ? {} : { hint: endpointHint(r) }),
    };
  });
  return { checks, endpoints: reports };
}

function endpointHint(r: EndpointReport): string {
  if (!r.dns.ok) {
    return "external-dns writes the record once the ingress has an address: " +
      "`kubectl -n external-dns logs deploy/external-dns` says why not.";
  }
  if (!r.tls.ok) {
    return "cert-manager issues the certificate through the production ClusterIssuer: " +
      "`kubectl get certificate -A` shows its state.";
  }
  return "Traefik answers but the UI behind it does not: check the addon's pods (`kubectl get pods -A`).";
}
