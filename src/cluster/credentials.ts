/**
 * The cluster's credentials on disk, in `./secrets/<cluster>/` (directory 0700, files 0600): the Talos secrets
 * bundle `secrets.yaml`, the `talosconfig` and the admin `kubeconfig`.
 *
 * The bundle is the cluster's identity: it is generated once, before anything is created in the cloud, and never
 * regenerated (losing it loses the cluster). Client configs are reused while they are still valid for the bundle's
 * CAs; a file signed by another CA is an error, never silently overwritten.
 *
 * @module
 */
import { join } from "node:path";
import { parse } from "yaml";
import { Buffer } from "node:buffer";
import { ensureSecretDir, readTextIfExists, SECRET_FILE_MODE, writeSecretFile } from "../lib/secure_files.ts";
import { parseCertificate, type RandomSource, verifyIssuedBy } from "../talos/pki.ts";
import {
  generateSecretsBundle,
  loadSecretsBundle,
  saveSecretsBundle,
  type SecretsBundle,
  SecretsBundleError,
} from "../talos/secrets_bundle.ts";
import { generateTalosconfig, parseTalosconfig, renderTalosconfig } from "../talos/talosconfig.ts";
import { UserFacingError } from "../lib/errors.ts";

/** File names inside the cluster's secrets directory. */
export const CREDENTIAL_FILES = {
  secrets: "secrets.yaml",
  talosconfig: "talosconfig",
  kubeconfig: "kubeconfig",
} as const;

/** A client certificate closer than this to its expiry is renewed. */
export const RENEW_BEFORE_MS = 24 * 60 * 60 * 1000;

/** The cluster's secrets directory: `<cwd>/secrets/<cluster>`. */
export function clusterSecretsDir(cwd: string, clusterName: string): string {
  return join(cwd, "secrets", clusterName);
}

/** Result of {@linkcode ensureClusterSecrets}. */
export interface ClusterSecrets {
  bundle: SecretsBundle;
  /** Path of `secrets.yaml`. */
  path: string;
  /** True when this call generated the bundle (first apply). */
  created: boolean;
}

/**
 * Loads `<dir>/secrets.yaml`, or generates and saves a new bundle when there is none. Run it before any cloud
 * resource is created. An existing file that cannot be read is an error (exit 2) naming the field: it is never
 * replaced. A bundle file others can read is narrowed to 0600.
 */
export async function ensureClusterSecrets(
  options: { dir: string; now: Date; random?: RandomSource },
): Promise<ClusterSecrets> {
  const path = join(options.dir, CREDENTIAL_FILES.secrets);
  await ensureSecretDir(options.dir, { tighten: true });
  const text = await readTextIfExists(path);
  if (text !== undefined) {
    await tightenFile(path);
    try {
      return { bundle: await loadSecretsBundle(text, { now: options.now }), path, created: false };
    } catch (err) {
      if (err instanceof SecretsBundleError) {
        const field = err.field ? ` (field ${err.field})` : "";
        throw new SecretsBundleError(
          err.field,
          `Cannot use the secrets bundle "${path}"${field}: ${err.message.replace(/^Cannot [^:]*: /, "")}. ` +
            "It holds the cluster's CAs and is never regenerated: restore it from a backup.",
          { cause: err },
        );
      }
      throw err;
    }
  }
  const bundle = await generateSecretsBundle({ now: options.now, random: options.random });
  await saveSecretsBundle(path, bundle);
  return { bundle, path, created: true };
}

/** What happened to one client config file. */
export type FileOutcome = "created" | "updated" | "unchanged";

/** Result of {@linkcode ensureTalosconfig} and {@linkcode ensureKubeconfig}. */
export interface ClientConfigFile {
  path: string;
  /** The file's content (a credential: never log it). */
  text: string;
  outcome: FileOutcome;
}

/** Options of {@linkcode ensureTalosconfig}. */
export interface TalosconfigFileOptions {
  dir: string;
  clusterName: string;
  bundle: SecretsBundle;
  /** Talos API endpoints: the control planes' public IPs (or the load balancer), without port. */
  endpoints: string[];
  now: Date;
  random?: RandomSource;
}

/**
 * Writes `<dir>/talosconfig`. An existing file whose client certificate was issued by the bundle's OS CA and is
 * valid for at least a day keeps its certificate (only endpoints are updated, and the file is rewritten only
 * when they changed); an expiring one gets a new certificate from the same CA.
 *
 * @throws {UserFacingError} when the existing file belongs to another CA (another cluster's talosconfig).
 */
export async function ensureTalosconfig(options: TalosconfigFileOptions): Promise<ClientConfigFile> {
  const path = join(options.dir, CREDENTIAL_FILES.talosconfig);
  const existing = await readTextIfExists(path);
  const osCa = options.bundle.certs.os.certPem;
  if (existing !== undefined) {
    let credentials;
    try {
      credentials = parseTalosconfig(existing, options.clusterName);
    } catch (err) {
      throw foreignFile(path, `it has no usable context "${options.clusterName}"`, err);
    }
    if (!samePem(credentials.caPem, osCa) || !(await verifyIssuedBy(credentials.certPem, osCa))) {
      throw foreignFile(path, "it was issued by another Talos OS CA than this cluster's secrets.yaml");
    }
    if (isValidFor(credentials.certPem, options.now)) {
      const text = renderTalosconfig({ ...credentials, endpoints: [...options.endpoints] });
      if (text === existing) return { path, text, outcome: "unchanged" };
      await writeSecretFile(path, text);
      return { path, text, outcome: "updated" };
    }
  }
  const text = await generateTalosconfig(options.bundle, {
    clusterName: options.clusterName,
    endpoints: options.endpoints,
    now: options.now,
    random: options.random,
  });
  await writeSecretFile(path, text);
  return { path, text, outcome: existing === undefined ? "created" : "updated" };
}

/** Options of {@linkcode ensureKubeconfig}. */
export interface KubeconfigFileOptions {
  dir: string;
  bundle: SecretsBundle;
  now: Date;
  /** Fetches a fresh admin kubeconfig (e.g. through the Talos API); called only when the file must be (re)written. */
  fetch: () => Promise<string>;
}

/**
 * Writes `<dir>/kubeconfig`. An existing file for the bundle's Kubernetes CA whose client certificate (if any) is
 * valid for at least a day is kept without fetching; otherwise `fetch()` provides a new one.
 *
 * @throws {UserFacingError} when the existing or the fetched kubeconfig names another cluster CA.
 */
export async function ensureKubeconfig(options: KubeconfigFileOptions): Promise<ClientConfigFile> {
  const path = join(options.dir, CREDENTIAL_FILES.kubeconfig);
  const k8sCa = options.bundle.certs.k8s.certPem;
  const existing = await readTextIfExists(path);
  if (existing !== undefined) {
    const facts = readKubeconfigFacts(existing);
    if (!facts) throw foreignFile(path, "it is not a kubeconfig with a current context");
    if (facts.caPem !== undefined && !samePem(facts.caPem, k8sCa)) {
      throw foreignFile(path, "its cluster CA is not this cluster's Kubernetes CA (secrets.yaml)");
    }
    if (facts.clientCertPem === undefined || isValidFor(facts.clientCertPem, options.now)) {
      await tightenFile(path);
      return { path, text: existing, outcome: "unchanged" };
    }
  }
  const text = await options.fetch();
  const facts = readKubeconfigFacts(text);
  if (!facts) throw new UserFacingError("Cannot save the kubeconfig: the node returned no usable kubeconfig");
  if (facts.caPem !== undefined && !samePem(facts.caPem, k8sCa)) {
    throw new UserFacingError(
      "Cannot save the kubeconfig: the node's cluster CA is not this cluster's Kubernetes CA; " +
        "the server answering belongs to another cluster",
    );
  }
  await writeSecretFile(path, text);
  return { path, text, outcome: existing === undefined ? "created" : "updated" };
}

/** Options of {@linkcode writeClientConfigs}. */
export interface ClientConfigsOptions extends TalosconfigFileOptions {
  /** Fetches the admin kubeconfig; without it only the talosconfig is written. */
  fetchKubeconfig?: () => Promise<string>;
}

/** Writes `talosconfig` and (when `fetchKubeconfig` is given) `kubeconfig` through the ensure functions above. */
export async function writeClientConfigs(
  options: ClientConfigsOptions,
): Promise<{ talosconfig: ClientConfigFile; kubeconfig: ClientConfigFile | undefined }> {
  const talosconfig = await ensureTalosconfig(options);
  const kubeconfig = options.fetchKubeconfig
    ? await ensureKubeconfig({
      dir: options.dir,
      bundle: options.bundle,
      now: options.now,
      fetch: options.fetchKubeconfig,
    })
    : undefined;
  return { talosconfig, kubeconfig };
}

/** The current context's CA and client certificate (PEM) of a kubeconfig; undefined when it is not one. */
export function readKubeconfigFacts(
  text: string,
): { server: string; caPem?: string; clientCertPem?: string } | undefined {
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
  const cluster = named(doc.clusters, context?.cluster)?.cluster as Record<string, unknown> | undefined;
  const user = named(doc.users, context?.user)?.user as Record<string, unknown> | undefined;
  if (!cluster || typeof cluster.server !== "string") return undefined;
  const decode = (
    v: unknown,
  ) => (typeof v === "string" && v !== "" ? Buffer.from(v, "base64").toString("utf8") : undefined);
  const facts: { server: string; caPem?: string; clientCertPem?: string } = { server: cluster.server };
  const caPem = decode(cluster["certificate-authority-data"]);
  const clientCertPem = decode(user?.["client-certificate-data"]);
  if (caPem) facts.caPem = caPem;
  if (clientCertPem) facts.clientCertPem = clientCertPem;
  return facts;
}

function isValidFor(certPem: string, now: Date): boolean {
  try {
    const info = parseCertificate(certPem);
    return info.notBefore.getTime() <= now.getTime() + 5 * 60_000 &&
      info.notAfter.getTime() - now.getTime() > RENEW_BEFORE_MS;
  } catch {
    return false;
  }
}

function samePem(a: string, b: string): boolean {
  return a.replace(/\s+/g, "") === b.replace(/\s+/g, "");
}

function foreignFile(path: string, why: string, cause?: unknown): UserFacingError {
  return new UserFacingError(`Cannot use "${path}": ${why}. Move it away to let apply write a new one`, { cause });
}

async function tightenFile(path: string): Promise<void> {
  const info = await Deno.stat(path);
  if (info.mode !== null && (info.mode & 0o077) !== 0) await Deno.chmod(path, SECRET_FILE_MODE);
}
