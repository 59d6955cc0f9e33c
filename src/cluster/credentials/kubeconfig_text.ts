/**
 * Reading and repointing a kubeconfig's current context without touching its credentials: the
 * cluster CA and client certificate decide whether a file belongs to this cluster, the server URL is
 * only where the cluster answers today and is rewritten when that moves.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { parse, parseDocument } from "yaml";

/** The current context's server, CA and client certificate (PEM) of a kubeconfig. */
export interface KubeconfigFacts {
  server: string;
  caPem?: string;
  clientCertPem?: string;
}

/** The current context's facts; undefined when the text is not a kubeconfig with a current context. */
export function readKubeconfigFacts(text: string): KubeconfigFacts | undefined {
  const found = currentCluster(text);
  if (!found) return undefined;
  const { cluster, user } = found;
  const decode = (
    v: unknown,
  ) => (typeof v === "string" && v !== "" ? Buffer.from(v, "base64").toString("utf8") : undefined);
  const facts: KubeconfigFacts = { server: cluster.server as string };
  const caPem = decode(cluster["certificate-authority-data"]);
  const clientCertPem = decode(user?.["client-certificate-data"]);
  if (caPem) facts.caPem = caPem;
  if (clientCertPem) facts.clientCertPem = clientCertPem;
  return facts;
}

/**
 * The same kubeconfig with the current context's cluster `server` set to `server`; everything else
 * (certificates, names, other contexts) as it was. Returns `text` unchanged when it already points there.
 *
 * @throws {TypeError} when `text` is not a kubeconfig with a current context, or `server` is not a URL.
 */
export function setKubeconfigServer(text: string, server: string): string {
  if (!/^https?:\/\/\S+$/.test(server)) {
    throw new TypeError(`Cannot point the kubeconfig at "${server}": not an http(s) URL`);
  }
  const found = currentCluster(text);
  if (!found) throw new TypeError("Cannot point the kubeconfig at a new server: it has no current context");
  if (found.cluster.server === server) return text;
  // Edit the document, not a re-rendered copy: comments, key order and other contexts stay as they were.
  const doc = parseDocument(text);
  doc.setIn(["clusters", found.clusterIndex, "cluster", "server"], server);
  return doc.toString({ lineWidth: 0 });
}

function currentCluster(text: string): {
  cluster: Record<string, unknown>;
  clusterIndex: number;
  user: Record<string, unknown> | undefined;
} | undefined {
  let doc: Record<string, unknown> | null;
  try {
    doc = parse(text) as Record<string, unknown> | null;
  } catch {
    return undefined;
  }
  if (!doc || typeof doc !== "object") return undefined;
  const named = (list: unknown, name: unknown): Record<string, unknown> | undefined =>
    Array.isArray(list) ? list.find((e) => e && typeof e === "object" && e.name === name) : undefined;
  const context = named(doc.contexts, doc["current-context"])?.context as Record<string, unknown> | undefined;
  const entry = named(doc.clusters, context?.cluster);
  const cluster = entry?.cluster as Record<string, unknown> | undefined;
  const user = named(doc.users, context?.user)?.user as Record<string, unknown> | undefined;
  if (!cluster || typeof cluster !== "object" || typeof cluster.server !== "string") return undefined;
  return { cluster, clusterIndex: (doc.clusters as unknown[]).indexOf(entry), user };
}
