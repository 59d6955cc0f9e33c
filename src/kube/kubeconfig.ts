/**
 * The current context of a kubeconfig, as the requests need it: the server, the context's namespace
 * and the TLS options and headers of each request.
 *
 * Loading @kubernetes/client-node only for its `KubeConfig` cost about 0.7 CPU-seconds per process
 * (its config module imports every generated API model), in every CLI run that talks to Kubernetes
 * and every operator start. The kubeconfigs k8zner writes and reads (client certificate or bearer
 * token, CA data or file, nothing else) are read here the way client-node 1.4 reads them
 * (`loadFromString`, `applyToHTTPSOptions`); any other kubeconfig, and any one client-node would
 * refuse, goes to client-node itself, so its error messages and its authenticators stay.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { readFileSync } from "node:fs";
import type { RequestOptions } from "node:https";
import { load } from "js-yaml";
import type * as K8s from "@kubernetes/client-node";

/** The current context of a kubeconfig. */
export interface KubeContext {
  /** The cluster's server, without a trailing `/`. */
  server: string;
  /** The cluster's `proxy-url`, when set (requests then keep client-node's own agent). */
  proxyUrl: string | undefined;
  /** The namespace of the current context, undefined when it names none. */
  namespace: string | undefined;
  /** Sets the TLS options, headers and agent of one request, as client-node's `applyToHTTPSOptions`. */
  applyToHTTPSOptions(options: RequestOptions): Promise<void>;
}

/** Options of {@link loadKubeContext}. */
export interface LoadKubeContextOptions {
  /** A bearer token for a user without credentials of its own (client-node's custom authenticator). */
  token?: () => string;
}

const CLUSTER_FIELDS = new Set([
  "server",
  "certificate-authority-data",
  "certificate-authority",
  "insecure-skip-tls-verify",
  "tls-server-name",
]);
const USER_FIELDS = new Set(["client-certificate-data", "client-key-data", "token"]);

/**
 * Reads the current context of `yaml`; undefined when the kubeconfig is not of the plain form read
 * here (or is invalid), for client-node to read.
 */
export function readPlainKubeconfig(yaml: string, options: LoadKubeContextOptions = {}): KubeContext | undefined {
  let doc: unknown;
  try {
    doc = load(yaml); // client-node parses with js-yaml's `load` and the default schema too
  } catch {
    return undefined;
  }
  if (!isRecord(doc)) return undefined;
  const clusters = entries(doc.clusters, "cluster");
  const users = entries(doc.users, "user");
  const contexts = entries(doc.contexts, "context");
  if (!clusters || !users || !contexts) return undefined;
  const current = doc["current-context"];
  const context = contexts.find((c) => c.name === current)?.body;
  if (!context || typeof context.cluster !== "string" || typeof context.user !== "string") return undefined;
  const cluster = clusters.find((c) => c.name === context.cluster)?.body;
  // A user without an entry gets no TLS options at all from client-node: not a form read here.
  const user = users.find((u) => u.name === context.user)?.body;
  if (!cluster || user === undefined) return undefined;
  if (Object.keys(cluster).some((k) => !CLUSTER_FIELDS.has(k))) return undefined;
  if (user !== null && Object.keys(user).some((k) => !USER_FIELDS.has(k))) return undefined;
  const caFile = optionalString(cluster["certificate-authority"]);
  const caData = optionalString(cluster["certificate-authority-data"]);
  const tlsServerName = optionalString(cluster["tls-server-name"]);
  const certData = optionalString(user?.["client-certificate-data"]);
  const keyData = optionalString(user?.["client-key-data"]);
  const token = optionalString(user?.token);
  if ([caFile, caData, tlsServerName, certData, keyData, token].includes(null)) return undefined;
  const skipTLSVerify = cluster["insecure-skip-tls-verify"] === true;
  const namespace = context.namespace;
  if (namespace !== undefined && namespace !== null && typeof namespace !== "string") return undefined;
  return {
    server: (cluster.server as string).replace(/\/$/, ""),
    proxyUrl: undefined,
    namespace: namespace || undefined,
    applyToHTTPSOptions(opts) {
      if (skipTLSVerify) opts.rejectUnauthorized = false;
      if (tlsServerName) opts.servername = tlsServerName;
      // As client-node: the file wins over the data and is read again for every request.
      const ca = caFile ? readFileSync(caFile) : caData ? Buffer.from(caData, "base64") : undefined;
      if (ca) opts.ca = ca;
      if (certData) opts.cert = Buffer.from(certData, "base64");
      if (keyData) opts.key = Buffer.from(keyData, "base64");
      const headers = (opts.headers ??= {}) as Record<string, string>;
      if (options.token) headers.Authorization = `Bearer ${options.token()}`;
      if (token) headers.Authorization = `Bearer ${token}`;
      return Promise.resolve();
    },
  };
}

/**
 * Reads the current context of a kubeconfig: a plain one here, any other with client-node (loaded
 * then). Throws what client-node's `loadFromString` throws for an invalid one.
 */
export async function loadKubeContext(yaml: string, options: LoadKubeContextOptions = {}): Promise<KubeContext> {
  const plain = readPlainKubeconfig(yaml, options);
  if (plain) return plain;
  const k8s: typeof K8s = await import("@kubernetes/client-node");
  const kc = new k8s.KubeConfig();
  kc.loadFromString(yaml);
  const token = options.token;
  if (token) {
    // Consulted only when no built-in authenticator claims the user (one without credentials does not).
    kc.addAuthenticator({
      isAuthProvider: () => true,
      applyAuthentication: (_user, opts) => {
        opts.headers = { ...opts.headers, Authorization: `Bearer ${token()}` };
        return Promise.resolve();
      },
    });
  }
  const cluster = kc.getCurrentCluster();
  return {
    server: cluster?.server ?? "",
    proxyUrl: cluster?.proxyUrl,
    namespace: kc.getContextObject(kc.getCurrentContext())?.namespace || undefined,
    applyToHTTPSOptions: (opts) => kc.applyToHTTPSOptions(opts),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `[{name, <key>: {...}}]` entries, each with a string name and an object body; undefined otherwise. */
function entries(
  value: unknown,
  key: string,
): { name: string; body: Record<string, unknown> | null }[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: { name: string; body: Record<string, unknown> | null }[] = [];
  for (const entry of value) {
    if (!isRecord(entry) || typeof entry.name !== "string" || entry.name === "") return undefined;
    if (Object.keys(entry).some((k) => k !== "name" && k !== key)) return undefined;
    const body = entry[key];
    // client-node refuses a cluster or context without a body; a user may have none.
    if (body === undefined || body === null) {
      if (key !== "user") return undefined;
      out.push({ name: entry.name, body: null });
      continue;
    }
    if (!isRecord(body)) return undefined;
    // What client-node refuses in any entry, current or not: a cluster without server, a context without cluster.
    if (key === "cluster" && (typeof body.server !== "string" || body.server === "")) return undefined;
    if (key === "context" && !body.cluster) return undefined;
    out.push({ name: entry.name, body });
  }
  return out;
}

/** A string field: undefined when absent or null, null when of another type (not read here). */
function optionalString(value: unknown): string | undefined | null {
  if (value === undefined || value === null) return undefined;
  return typeof value === "string" ? value : null;
}
