/**
 * The cluster's credentials on disk (directory 0700, files 0600): the Talos secrets bundle
 * `secrets.yaml`, the `talosconfig` and the admin `kubeconfig`. They live beside the config file, in
 * `<config dir>/secrets/<cluster>/`, wherever the command runs from (or in the directory
 * `--secrets-dir` names), and the `secrets/` directory carries a `.gitignore` of `*`.
 *
 * The bundle is the cluster's identity: it is generated once, before anything is created in the cloud, and never
 * regenerated (losing it loses the cluster); a missing bundle for a cluster whose servers exist is an error, never
 * a reason to make a second one. Client configs keep their certificates while they are valid for the bundle's CAs
 * and follow the live cluster's addresses; a file signed by another CA is an error, never silently overwritten.
 *
 * @module
 */
import { join } from "node:path";
import { ensureSecretDir, readTextIfExists, SECRET_FILE_MODE, writeSecretFile } from "../../lib/secure_files.ts";
import { parseCertificate, type RandomSource, verifyIssuedBy } from "../../talos/pki.ts";
import {
  generateSecretsBundle,
  loadSecretsBundle,
  saveSecretsBundle,
  type SecretsBundle,
  SecretsBundleError,
} from "../../talos/secrets_bundle.ts";
import { generateTalosconfig, parseTalosconfig, renderTalosconfig } from "../../talos/talosconfig.ts";
import { UsageError, UserFacingError } from "../../lib/errors.ts";
import { readKubeconfigFacts, setKubeconfigServer } from "./kubeconfig_text.ts";

export { readKubeconfigFacts } from "./kubeconfig_text.ts";
export { clusterSecretsDir, SECRETS_PARENT_DIR } from "./secrets_layout.ts";

/** File names inside the cluster's secrets directory. */
export const CREDENTIAL_FILES = {
  secrets: "secrets.yaml",
  talosconfig: "talosconfig",
  kubeconfig: "kubeconfig",
} as const;

/** A client certificate closer than this to its expiry is renewed. */
export const RENEW_BEFORE_MS = 24 * 60 * 60 * 1000;

/** The `.gitignore` k8zner puts in the secrets directory: nothing in it belongs in a repository. */
export const SECRETS_GITIGNORE = "# Written by k8zner: cluster credentials never belong in git.\n*\n";

/**
 * Creates `<dir>/.gitignore` with {@linkcode SECRETS_GITIGNORE} when it is missing (`dir` must exist); a
 * `.gitignore` already there is the user's and is left alone. Returns true when it wrote one.
 */
export async function ensureSecretsGitignore(dir: string): Promise<boolean> {
  try {
    // createNew: never replaces a file, and never follows a symlink planted at the path.
    await Deno.writeTextFile(join(dir, ".gitignore"), SECRETS_GITIGNORE, { createNew: true, mode: 0o600 });
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.AlreadyExists) return false;
    throw err;
  }
}

/**
 * The bundle is missing although the cluster's servers exist: they trust only the bundle they were
 * created with, so a new one would lock k8zner out of them. Exit 2: the user points at the bundle.
 */
export class MissingSecretsError extends UsageError {
  override name = "MissingSecretsError";
  constructor(readonly path: string, clusterName: string, servers: readonly string[]) {
    const shown = servers.length > 3
      ? `${servers.slice(0, 3).join(", ")} and ${servers.length - 3} more`
      : servers.join(", ");
    super(
      `Cannot find the secrets bundle of cluster "${clusterName}" at ${path}: its servers exist (${shown}) ` +
        "and trust only the bundle they were created with, so k8zner will not generate another one; nothing was written",
      {
        hint: "Run k8zner with the k8zner.yaml that sits beside the secrets/ directory of the first apply, " +
          "or pass --secrets-dir DIR naming the directory that holds that secrets.yaml",
      },
    );
  }
}

/** Result of {@linkcode ensureClusterSecrets}. */
export interface ClusterSecrets {
  bundle: SecretsBundle;
  /** Path of `secrets.yaml`. */
  path: string;
  /** True when this call generated the bundle (first apply). */
  created: boolean;
}

/** Options of {@linkcode ensureClusterSecrets}. */
export interface ClusterSecretsOptions {
  /** The cluster's secrets directory (created 0700 when a bundle is generated). */
  dir: string;
  now: Date;
  random?: RandomSource;
  /** A directory that gets a `.gitignore` of `*` when it has none (the `secrets/` beside the config). */
  gitignoreDir?: string;
  /**
   * Names of the cluster's servers found by the discovery pass that ran first. When there are any and
   * `secrets.yaml` is missing, nothing is generated: {@linkcode MissingSecretsError}.
   */
  existingServers?: readonly string[];
  /** The cluster's name, for the error message (default: the directory's name). */
  clusterName?: string;
}

/**
 * Loads `<dir>/secrets.yaml`, or generates and saves a new bundle when there is none and the cluster has no
 * servers yet. Run it after a read-only discovery (which also proves the token) and before any cloud resource
 * is created. An existing file that cannot be read is an error (exit 2) naming the field: it is never replaced.
 * A bundle file others can read is narrowed to 0600.
 *
 * @throws {MissingSecretsError} when the bundle is missing but `existingServers` is not empty (nothing written).
 */
export async function ensureClusterSecrets(options: ClusterSecretsOptions): Promise<ClusterSecrets> {
  const path = join(options.dir, CREDENTIAL_FILES.secrets);
  const present = await readTextIfExists(path) !== undefined;
  if (!present && options.existingServers && options.existingServers.length > 0) {
    const name = options.clusterName ?? options.dir.split("/").filter(Boolean).pop() ?? "";
    throw new MissingSecretsError(path, name, options.existingServers);
  }
  await ensureSecretDir(options.dir, { tighten: true });
  if (options.gitignoreDir !== undefined) await ensureSecretsGitignore(options.gitignoreDir);
  const loaded = await loadClusterSecrets({ dir: options.dir, now: options.now });
  if (loaded) return loaded;
  const bundle = await generateSecretsBundle({ now: options.now, random: options.random });
  await saveSecretsBundle(path, bundle);
  return { bundle, path, created: true };
}

/**
 * Loads `<dir>/secrets.yaml` without ever generating one; undefined when it does not exist. A file others
 * can read is narrowed to 0600; one that cannot be used is an error (exit 2) naming the field.
 */
export async function loadClusterSecrets(options: { dir: string; now: Date }): Promise<ClusterSecrets | undefined> {
  const path = join(options.dir, CREDENTIAL_FILES.secrets);
  const text = await readTextIfExists(path);
  if (text === undefined) return undefined;
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
  /** Talos API endpoints: the control planes' public IPs, without port (`talosEndpoints()` of `client_endpoints.ts`). */
  endpoints: string[];
  /** Default target nodes (`talosNodes()`); none when absent. */
  nodes?: string[];
  now: Date;
  random?: RandomSource;
}

/**
 * Writes `<dir>/talosconfig`. An existing file whose client certificate was issued by the bundle's OS CA and is
 * valid for at least a day keeps its certificate (only endpoints and nodes are updated, and the file is rewritten
 * only when they changed); an expiring one gets a new certificate from the same CA.
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
      const text = renderTalosconfig({
        ...credentials,
        endpoints: [...options.endpoints],
        nodes: [...(options.nodes ?? [])],
      });
      if (text === existing) return { path, text, outcome: "unchanged" };
      await writeSecretFile(path, text);
      return { path, text, outcome: "updated" };
    }
  }
  const text = await generateTalosconfig(options.bundle, {
    clusterName: options.clusterName,
    endpoints: options.endpoints,
    nodes: options.nodes ?? [],
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
  /** The API server URL the file must point at, from the live cluster (`kubeApiServerUrl()` of `client_endpoints.ts`). */
  server: string;
  /** Fetches a fresh admin kubeconfig (e.g. through the Talos API); called only when the file must be (re)written. */
  fetch: () => Promise<string>;
}

/**
 * Writes `<dir>/kubeconfig`. An existing file for the bundle's Kubernetes CA whose client certificate (if any) is
 * valid for at least a day keeps its credentials without fetching; its server is rewritten when it is not
 * `server` (the cluster moved, e.g. rebuilt behind a new load balancer). Otherwise `fetch()` provides a new
 * one, pointed at `server`.
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
      const text = setKubeconfigServer(existing, options.server);
      if (text === existing) {
        await tightenFile(path);
        return { path, text, outcome: "unchanged" };
      }
      await writeSecretFile(path, text);
      return { path, text, outcome: "updated" };
    }
  }
  const fetched = await options.fetch();
  const facts = readKubeconfigFacts(fetched);
  if (!facts) throw new UserFacingError("Cannot save the kubeconfig: the node returned no usable kubeconfig");
  if (facts.caPem !== undefined && !samePem(facts.caPem, k8sCa)) {
    throw new UserFacingError(
      "Cannot save the kubeconfig: the node's cluster CA is not this cluster's Kubernetes CA; " +
        "the server answering belongs to another cluster",
    );
  }
  const text = setKubeconfigServer(fetched, options.server);
  await writeSecretFile(path, text);
  return { path, text, outcome: existing === undefined ? "created" : "updated" };
}

/** Options of {@linkcode writeClientConfigs}. */
export interface ClientConfigsOptions extends TalosconfigFileOptions {
  /** The kubeconfig's API server URL; without it (no API load balancer yet) only the talosconfig is written. */
  server?: string;
  /** Fetches the admin kubeconfig; without it only the talosconfig is written. */
  fetchKubeconfig?: () => Promise<string>;
}

/** Writes `talosconfig` and (when `fetchKubeconfig` is given) `kubeconfig` through the ensure functions above. */
export async function writeClientConfigs(
  options: ClientConfigsOptions,
): Promise<{ talosconfig: ClientConfigFile; kubeconfig: ClientConfigFile | undefined }> {
  const talosconfig = await ensureTalosconfig(options);
  const kubeconfig = options.fetchKubeconfig && options.server
    ? await ensureKubeconfig({
      dir: options.dir,
      bundle: options.bundle,
      now: options.now,
      server: options.server,
      fetch: options.fetchKubeconfig,
    })
    : undefined;
  return { talosconfig, kubeconfig };
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
