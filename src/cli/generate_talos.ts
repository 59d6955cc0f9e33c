/**
 * The work of `k8zner generate talos -c k8zner.yaml -o DIR` (registered in `generate.ts`, loaded
 * only when the command runs because it pulls in the certificate libraries). Writes what
 * `talosctl gen config` would for the cluster a k8zner.yaml describes: `secrets.yaml` (reused
 * when present), `controlplane.yaml`, `worker.yaml` and `talosconfig`, each mode 0600 in a 0700
 * directory. Running it again with the same secrets rewrites identical bytes: role configs are
 * pure, and a still-valid talosconfig issued from the same OS CA is kept rather than re-issued.
 *
 * @module
 */
import { isAbsolute, join, resolve } from "node:path";
import { type DesiredState, expandSpec } from "../config/mod.ts";
import { UsageError } from "../lib/errors.ts";
import { ensureSecretDir, readTextIfExists, writeSecretFile } from "../lib/secure_files.ts";
import { type ClusterConfigInput, renderRoleConfigYaml } from "../talos/machine_config.ts";
import { parseCertificate, verifyIssuedBy } from "../talos/pki.ts";
import {
  generateSecretsBundle,
  loadSecretsBundle,
  renderSecretsBundle,
  type SecretsBundle,
  SecretsBundleError,
} from "../talos/secrets_bundle.ts";
import { generateTalosconfig, parseTalosconfig } from "../talos/talosconfig.ts";
import type { CliContext } from "./context.ts";
import { loadConfig } from "./load_config.ts";

/** The flags of `k8zner generate talos`. */
export interface GenerateTalosFlags {
  config?: string;
  output: string;
  endpoint?: string;
}

/** File names written into the output directory. */
export const GENERATED_FILES = {
  secrets: "secrets.yaml",
  controlPlane: "controlplane.yaml",
  worker: "worker.yaml",
  talosconfig: "talosconfig",
} as const;

/** Runs `generate talos`: loads the config, reuses or creates the secrets, writes the files. */
export async function runGenerateTalos(ctx: CliContext, flags: GenerateTalosFlags): Promise<void> {
  const now = ctx.now?.() ?? new Date();
  const { spec } = await loadConfig({ config: flags.config, cwd: ctx.cwd, env: ctx.env });
  const state = expandSpec(spec);
  const endpoint = parseEndpoint(flags.endpoint, state);
  const dir = absolute(ctx, flags.output);
  await ensureSecretDir(dir, { tighten: true });

  const secretsPath = join(dir, GENERATED_FILES.secrets);
  const existing = await readTextIfExists(secretsPath);
  let secrets: SecretsBundle;
  if (existing === undefined) {
    secrets = await generateSecretsBundle({ now });
    await writeSecretFile(secretsPath, renderSecretsBundle(secrets));
    ctx.io.err(`generated ${secretsPath}`);
  } else {
    secrets = await loadExistingSecrets(secretsPath, existing, now);
    ctx.io.err(`reused ${secretsPath}`);
  }

  const input: ClusterConfigInput = {
    clusterName: state.cluster.name,
    endpoint: endpoint.url,
    talosVersion: state.versions.talos,
    kubernetesVersion: state.versions.kubernetes,
    network: {
      nodeCidr: state.kubernetes.nodeCidr,
      podCidr: state.kubernetes.podCidr,
      serviceCidr: state.kubernetes.serviceCidr,
    },
    certSans: [...new Set([endpoint.host, state.loadBalancer.privateIp])],
    allowSchedulingOnControlPlanes: state.kubernetes.allowSchedulingOnControlPlanes,
    installDisk: state.talos.installDisk,
    dnsDomain: state.kubernetes.dnsDomain,
    monitoring: state.addons.kubePrometheusStack.enabled,
  };
  await writeSecretFile(join(dir, GENERATED_FILES.controlPlane), renderRoleConfigYaml(secrets, input, "controlplane"));
  await writeSecretFile(join(dir, GENERATED_FILES.worker), renderRoleConfigYaml(secrets, input, "worker"));

  const talosconfigPath = join(dir, GENERATED_FILES.talosconfig);
  const kept = await keepTalosconfig(talosconfigPath, secrets, state.cluster.name, [endpoint.host], now);
  if (kept === undefined) {
    await writeSecretFile(
      talosconfigPath,
      await generateTalosconfig(secrets, { clusterName: state.cluster.name, endpoints: [endpoint.host], now }),
    );
  } else {
    await writeSecretFile(talosconfigPath, kept);
  }
  for (const name of [GENERATED_FILES.controlPlane, GENERATED_FILES.worker, GENERATED_FILES.talosconfig]) {
    ctx.io.err(`wrote ${join(dir, name)}`);
  }
  ctx.io.out(dir);
}

/** The API endpoint: `--endpoint`, else the load balancer's private address (known before it exists). */
function parseEndpoint(flag: string | undefined, state: DesiredState): { url: string; host: string } {
  if (flag === undefined) {
    return { url: state.loadBalancer.privateEndpoint, host: state.loadBalancer.privateIp };
  }
  let url: URL;
  try {
    url = new URL(flag);
  } catch {
    throw new UsageError(`--endpoint "${flag}": not a URL`, { hint: "Use the form https://203.0.113.10:6443" });
  }
  if (url.protocol !== "https:" || url.pathname !== "/" || url.search !== "" || url.hash !== "") {
    throw new UsageError(`--endpoint "${flag}": must be https://<host>[:port] with no path`, {
      hint: "Use the form https://203.0.113.10:6443",
    });
  }
  const host = url.hostname.replace(/^\[|\]$/g, "");
  // URL drops the scheme's default port, so an explicit :443 has to be read from the text.
  const port = url.port || (/:443\/?$/.test(flag) ? "443" : "6443");
  return { url: `https://${url.hostname}:${port}`, host };
}

async function loadExistingSecrets(path: string, text: string, now: Date): Promise<SecretsBundle> {
  try {
    return await loadSecretsBundle(text, { now });
  } catch (err) {
    if (err instanceof SecretsBundleError) {
      throw new UsageError(`${path}: ${err.message}`, {
        cause: err,
        hint: "Fix or move the file away; a new bundle means new cluster identities and CAs",
      });
    }
    throw err;
  }
}

/** The existing talosconfig text when it still fits (same OS CA, context, endpoints, valid for 30 more days). */
async function keepTalosconfig(
  path: string,
  secrets: SecretsBundle,
  clusterName: string,
  endpoints: string[],
  now: Date,
): Promise<string | undefined> {
  const text = await readTextIfExists(path);
  if (text === undefined) return undefined;
  try {
    const creds = parseTalosconfig(text, clusterName);
    const cert = parseCertificate(creds.certPem);
    const fits = creds.caPem === secrets.certs.os.certPem &&
      JSON.stringify(creds.endpoints) === JSON.stringify(endpoints) &&
      cert.notBefore.getTime() <= now.getTime() &&
      cert.notAfter.getTime() > now.getTime() + 30 * 24 * 3600 * 1000 &&
      await verifyIssuedBy(creds.certPem, secrets.certs.os.certPem);
    return fits ? text : undefined;
  } catch {
    return undefined;
  }
}

function absolute(ctx: CliContext, path: string): string {
  return isAbsolute(path) ? path : resolve(ctx.cwd, path);
}
