/**
 * What cert-manager does for Ingresses with a Let's Encrypt ClusterIssuer, played only while its
 * controller and webhook Deployments (`cert-manager/cert-manager`, `cert-manager/cert-manager-webhook`)
 * report a ready replica:
 *
 * - an ACME ClusterIssuer gets the status cert-manager writes once the account is registered
 *   (`status.acme.uri`, `lastRegisteredEmail`, condition Ready True `ACMEAccountRegistered`);
 * - ingress-shim: an Ingress with `cert-manager.io/cluster-issuer: <name>` and `spec.tls` gets, per TLS
 *   entry, a Certificate named after its `secretName` (owned by the Ingress; when the CRD is served) and,
 *   once the issuer is Ready, the Secret (`kubernetes.io/tls`, cert-manager's annotations) with a
 *   certificate for the hosts from the local ACME CA (`local_acme_ca.ts`; the staging directory's CA for a
 *   staging issuer), valid 90 days, renewed 30 days before it ends;
 * - the DNS-01 challenge through the solver's Cloudflare token (`apiTokenSecretRef` in the `cert-manager`
 *   namespace): a `_acme-challenge.<host>` TXT record created in the host's zone and removed after, so a
 *   wrong token or a missing zone fails the issuance as it would, and nothing is issued.
 *
 * Not played: the account key Secret, Orders and Challenges objects, HTTP-01, renewal timing beyond the
 * 30-day rule, `Issuer` (namespaced) references.
 *
 * @module
 */
import { servesKind } from "./workload_pods.ts";
import type { FakeKubeStore, KubeObj } from "../kube_fake/mod.ts";
import { issueCertificate, parseCertificate } from "../../src/talos/pki.ts";
import { deploymentReady, secretValue } from "./ready_workload.ts";
import { cloudflareCalls } from "./cloudflare_calls.ts";
import type { LocalAcmeCa } from "./local_acme_ca.ts";

/** The namespace cert-manager runs in (its cluster resource namespace). */
export const CERT_MANAGER_NAMESPACE = "cert-manager";
/** The Deployments whose ready replicas turn the stand-in on. */
export const CERT_MANAGER_DEPLOYMENTS = [
  { namespace: CERT_MANAGER_NAMESPACE, name: "cert-manager" },
  { namespace: CERT_MANAGER_NAMESPACE, name: "cert-manager-webhook" },
] as const;
/** The Ingress annotation naming the ClusterIssuer. */
export const CLUSTER_ISSUER_ANNOTATION = "cert-manager.io/cluster-issuer";

const DAY_MS = 86_400_000;
const VALIDITY_DAYS = 90;
const RENEW_BEFORE_MS = 30 * DAY_MS;
/**
 * Wait after a failed issuance before trying again. cert-manager backs off exponentially from an hour
 * (`status.lastFailureTime`); the local cloud retries sooner so a fixed token takes effect in a test.
 */
export const RETRY_AFTER_FAILURE_MS = 5_000;

/** What a pass needs besides the store. */
export interface CertManagerDeps {
  ca: LocalAcmeCa;
  cloudflareUrl: string;
  now: () => Date;
  fetch?: typeof fetch;
}

interface Meta {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  annotations?: Record<string, string>;
}

interface AcmeSpec {
  server?: string;
  email?: string;
  solvers?: { dns01?: { cloudflare?: { apiTokenSecretRef?: { name: string; key: string } } } }[];
}

/** One cert-manager pass over a cluster; returns what it did (one line each), problems included. */
export async function reconcileCertManager(store: FakeKubeStore, deps: CertManagerDeps): Promise<string[]> {
  if (!CERT_MANAGER_DEPLOYMENTS.every((d) => deploymentReady(store, d))) return [];
  if (!servesKind(store, "cert-manager.io/v1", "ClusterIssuer")) return [];
  const done: string[] = [];
  for (const issuer of store.listObjects("cert-manager.io/v1", "ClusterIssuer")) {
    const line = registerAccount(store, issuer, deps.now());
    if (line) done.push(line);
  }
  for (const ing of store.listObjects("networking.k8s.io/v1", "Ingress")) {
    const meta = ing.metadata as Meta;
    const issuerName = meta.annotations?.[CLUSTER_ISSUER_ANNOTATION];
    const tls = ((ing.spec ?? {}) as { tls?: { hosts?: string[]; secretName?: string }[] }).tls ?? [];
    if (!issuerName) continue;
    for (const entry of tls) {
      if (!entry.secretName || !entry.hosts?.length) continue;
      const hosts = entry.hosts.map((h) => h.toLowerCase());
      try {
        const line = await ensureCertificate(store, deps, ing, issuerName, entry.secretName, hosts);
        if (line) done.push(line);
      } catch (err) {
        done.push(`Certificate ${meta.namespace}/${entry.secretName}: ${(err as Error).message}`);
        setCertificateCondition(store, ing, issuerName, entry.secretName, hosts, {
          status: "False",
          reason: "Failed",
          message: (err as Error).message,
        }, deps.now());
      }
    }
  }
  return done;
}

function readyCondition(obj: KubeObj | undefined): { status?: string } | undefined {
  return ((obj?.status ?? {}) as { conditions?: { type: string; status?: string }[] }).conditions?.find((c) =>
    c.type === "Ready"
  );
}

/** The ACME account registration: status as cert-manager's issuer controller writes it. */
function registerAccount(store: FakeKubeStore, issuer: KubeObj, now: Date): string | undefined {
  const meta = issuer.metadata as Meta;
  const acme = ((issuer.spec ?? {}) as { acme?: AcmeSpec }).acme;
  if (!acme?.server || readyCondition(issuer)?.status === "True") return undefined;
  const origin = new URL(acme.server).origin;
  store.put({
    ...issuer,
    status: {
      acme: {
        uri: `${origin}/acme/acct/${parseInt((meta.uid ?? "0").replaceAll("-", "").slice(0, 8), 16)}`,
        ...(acme.email ? { lastRegisteredEmail: acme.email } : {}),
      },
      conditions: [{
        type: "Ready",
        status: "True",
        reason: "ACMEAccountRegistered",
        message: "The ACME account was registered with the ACME server",
        lastTransitionTime: now.toISOString(),
        observedGeneration: meta.generation ?? 1,
      }],
    },
  });
  return `ClusterIssuer ${meta.name}: ACME account registered`;
}

async function ensureCertificate(
  store: FakeKubeStore,
  deps: CertManagerDeps,
  ing: KubeObj,
  issuerName: string,
  secretName: string,
  hosts: string[],
): Promise<string | undefined> {
  const namespace = (ing.metadata as Meta).namespace!;
  const now = deps.now();
  const failedAt = servesKind(store, "cert-manager.io/v1", "Certificate")
    ? ((store.getObject("cert-manager.io/v1", "Certificate", secretName, namespace)?.status ?? {}) as {
      lastFailureTime?: string;
    }).lastFailureTime
    : undefined;
  if (failedAt && now.getTime() - Date.parse(failedAt) < RETRY_AFTER_FAILURE_MS) return undefined;
  const secret = store.getObject("v1", "Secret", secretName, namespace);
  if (secret && upToDate(store, secret, namespace, secretName, issuerName, hosts, now)) {
    setCertificateCondition(store, ing, issuerName, secretName, hosts, {
      status: "True",
      reason: "Ready",
      message: "Certificate is up to date and has not expired",
    }, now);
    return undefined;
  }
  const issuer = store.getObject("cert-manager.io/v1", "ClusterIssuer", issuerName);
  if (!issuer) {
    throw new Error(`Referenced "ClusterIssuer" not found: clusterissuer.cert-manager.io "${issuerName}" not found`);
  }
  if (readyCondition(issuer)?.status !== "True") throw new Error(`Issuer ${issuerName} not ready`);
  const acme = ((issuer.spec ?? {}) as { acme?: AcmeSpec }).acme ?? {};
  const ref = acme.solvers?.find((s) => s.dns01?.cloudflare)?.dns01?.cloudflare?.apiTokenSecretRef;
  if (!ref) throw new Error(`ClusterIssuer ${issuerName} has no DNS-01 Cloudflare solver`);
  const token = secretValue(store, CERT_MANAGER_NAMESPACE, ref.name, ref.key);
  if (!token) {
    throw new Error(`error getting cloudflare secret: secret "${ref.name}" not found or has no key "${ref.key}"`);
  }
  for (const host of hosts) await solveDns01(deps, token, host);

  const ca = deps.ca.forServer(acme.server ?? "");
  const leaf = await issueCertificate(ca, {
    algorithm: "ECDSA-P256",
    commonName: hosts[0]!,
    dnsNames: hosts,
    usage: "server",
    notBefore: now,
    validityDays: VALIDITY_DAYS,
  });
  store.put({
    apiVersion: "v1",
    kind: "Secret",
    type: "kubernetes.io/tls",
    metadata: {
      name: secretName,
      namespace,
      labels: { "controller.cert-manager.io/fao": "true" },
      annotations: {
        "cert-manager.io/alt-names": hosts.join(","),
        "cert-manager.io/certificate-name": secretName,
        "cert-manager.io/common-name": hosts[0]!,
        "cert-manager.io/issuer-group": "cert-manager.io",
        "cert-manager.io/issuer-kind": "ClusterIssuer",
        "cert-manager.io/issuer-name": issuerName,
      },
    },
    data: { "tls.crt": btoa(leaf.certPem), "tls.key": btoa(leaf.keyPem) },
  });
  setCertificateCondition(store, ing, issuerName, secretName, hosts, {
    status: "True",
    reason: "Ready",
    message: "Certificate is up to date and has not expired",
  }, now);
  return `Certificate ${namespace}/${secretName}: issued by ${issuerName} for ${hosts.join(", ")}`;
}

function upToDate(
  store: FakeKubeStore,
  secret: KubeObj,
  namespace: string,
  name: string,
  issuerName: string,
  hosts: string[],
  now: Date,
): boolean {
  const annotations = (secret.metadata as Meta).annotations ?? {};
  if (annotations["cert-manager.io/issuer-name"] !== issuerName) return false;
  if (annotations["cert-manager.io/alt-names"] !== hosts.join(",")) return false;
  const pem = secretValue(store, namespace, name, "tls.crt");
  if (!pem) return false;
  try {
    return parseCertificate(pem).notAfter.getTime() - now.getTime() > RENEW_BEFORE_MS;
  } catch {
    return false;
  }
}

/** The DNS-01 challenge: `_acme-challenge.<host>` TXT in the host's Cloudflare zone, then removed. */
async function solveDns01(deps: CertManagerDeps, token: string, host: string): Promise<void> {
  const cf = cloudflareCalls(deps.cloudflareUrl, token, "cert-manager", deps.fetch ?? fetch);
  const labels = host.split(".");
  let zone: { id: string; name: string } | undefined;
  for (let i = 0; i <= labels.length - 2 && !zone; i++) {
    const name = labels.slice(i).join(".");
    const { result } = await cf.send("GET", "/zones", undefined, `?name=${encodeURIComponent(name)}`);
    zone = (result as { id: string; name: string }[]).find((z) => z.name === name);
  }
  if (!zone) throw new Error(`cloudflare: could not find the zone of ${host}`);
  const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32)))).replace(/=+$/, "");
  const path = `/zones/${zone.id}/dns_records`;
  const { result } = await cf.send("POST", path, {
    type: "TXT",
    name: `_acme-challenge.${host}`,
    content: key,
    ttl: 120,
  });
  await cf.send("DELETE", `${path}/${(result as { id: string }).id}`);
}

/** The Certificate ingress-shim creates for a TLS entry (when the CRD is served), with its Ready condition. */
function setCertificateCondition(
  store: FakeKubeStore,
  ing: KubeObj,
  issuerName: string,
  secretName: string,
  hosts: string[],
  condition: { status: string; reason: string; message: string },
  now: Date,
): void {
  if (!servesKind(store, "cert-manager.io/v1", "Certificate")) return;
  const meta = ing.metadata as Meta;
  const present = store.getObject("cert-manager.io/v1", "Certificate", secretName, meta.namespace);
  const old = readyCondition(present) as { status?: string; reason?: string; lastTransitionTime?: string } | undefined;
  if (old?.status === condition.status && old.reason === condition.reason && condition.status === "True") return;
  store.put({
    apiVersion: "cert-manager.io/v1",
    kind: "Certificate",
    metadata: {
      name: secretName,
      namespace: meta.namespace,
      ownerReferences: [{
        apiVersion: "networking.k8s.io/v1",
        kind: "Ingress",
        name: meta.name,
        uid: meta.uid,
        controller: true,
        blockOwnerDeletion: true,
      }],
    },
    spec: {
      dnsNames: hosts,
      secretName,
      issuerRef: { name: issuerName, kind: "ClusterIssuer", group: "cert-manager.io" },
      usages: ["digital signature", "key encipherment"],
    },
    status: {
      ...(condition.status === "False" ? { lastFailureTime: now.toISOString() } : {}),
      conditions: [{
        type: "Ready",
        ...condition,
        lastTransitionTime: old?.status === condition.status ? old.lastTransitionTime : now.toISOString(),
        observedGeneration: 1,
      }],
    },
  });
}
