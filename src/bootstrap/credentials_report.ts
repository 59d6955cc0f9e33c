/**
 * `k8zner secrets`: where the cluster's credential files are (with their modes), and the admin
 * credentials the addons keep in the cluster: Argo CD's initial admin password and Grafana's admin
 * user and password. Printing them is the point of the command; they go to stdout only, never to
 * logs or errors.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { KubeClient, KubeObject } from "../kube/mod.ts";

/** A credential file in `./secrets/<cluster>/`. */
export interface CredentialFile {
  name: string;
  /** Path as shown to the user. */
  path: string;
  /** What it is for. */
  purpose: string;
  exists: boolean;
  /** Octal permission bits, e.g. `0600`; undefined when the file is absent (or the platform has none). */
  mode?: string;
  /** True when group or others may read it. */
  tooOpen?: boolean;
}

/** An addon's admin credentials read from a Secret. */
export interface AddonCredentials {
  addon: "argocd" | "grafana";
  /** `namespace/name` of the Secret. */
  secret: string;
  /** `disabled`: the config does not install the addon, so there is nothing to wait for. */
  status: "found" | "not-installed" | "unavailable" | "disabled";
  username?: string;
  password?: string;
  /** Why it is unavailable or disabled. */
  message?: string;
  /** How to open the UI: its https URL with a domain, else a `kubectl port-forward` and the local URL. */
  access?: AddonAccess;
}

/** How to reach an addon's UI. */
export interface AddonAccess {
  url: string;
  /** Without a domain there is no ingress: run this, then open `url`. */
  portForward?: string;
}

/** Everything `k8zner secrets` shows. */
export interface CredentialsReport {
  cluster: string;
  directory: string;
  files: CredentialFile[];
  /** The kubeconfig used to read the cluster, if any. */
  kubeconfig: string | undefined;
  addons: AddonCredentials[];
}

/** The Secrets the addons create (chart defaults, as installed by the operator). */
export const ADDON_SECRETS = {
  argocd: { namespace: "argocd", name: "argocd-initial-admin-secret", userKey: undefined, passwordKey: "password" },
  grafana: {
    namespace: "monitoring",
    name: "kube-prometheus-stack-grafana",
    userKey: "admin-user",
    passwordKey: "admin-password",
  },
} as const;

/**
 * The UIs' Services (chart names for release `argo-cd` and `kube-prometheus-stack`, checked with `helm
 * template` of argo-cd 9.7.0 and kube-prometheus-stack 88.2.0): Argo CD's server answers on 80 and 443 (both to
 * its 8080, which also redirects plain HTTP when TLS is on), Grafana on 80.
 */
export const ADDON_SERVICES = {
  argocd: { namespace: "argocd", service: "argo-cd-argocd-server", port: 80, localPort: 8080 },
  grafana: { namespace: "monitoring", service: "kube-prometheus-stack-grafana", port: 80, localPort: 3000 },
} as const;

/** How to open an addon's UI: `https://<host>` with a domain, else a port-forward command. Pure. */
export function addonAccess(addon: AddonCredentials["addon"], host: string | undefined): AddonAccess {
  if (host !== undefined) return { url: `https://${host}` };
  const s = ADDON_SERVICES[addon];
  return {
    url: `http://localhost:${s.localPort}`,
    portForward: `kubectl -n ${s.namespace} port-forward svc/${s.service} ${s.localPort}:${s.port}`,
  };
}

/** Files of the secrets directory and what each is for. */
export const CREDENTIAL_FILE_PURPOSES: readonly { name: string; purpose: string }[] = [
  { name: "kubeconfig", purpose: "cluster admin for kubectl (export KUBECONFIG=…)" },
  { name: "talosconfig", purpose: "Talos API admin for talosctl (export TALOSCONFIG=…)" },
  { name: "secrets.yaml", purpose: "Talos secrets bundle: the cluster's CAs; back it up, never share it" },
];

/** Describes a file from its stat result (`undefined` when absent). Pure. */
export function describeCredentialFile(
  file: { name: string; purpose: string },
  path: string,
  mode: number | null | undefined,
  exists: boolean,
): CredentialFile {
  const out: CredentialFile = { name: file.name, path, purpose: file.purpose, exists };
  if (exists && mode !== null && mode !== undefined) {
    out.mode = `0${(mode & 0o777).toString(8).padStart(3, "0")}`;
    out.tooOpen = (mode & 0o077) !== 0;
  }
  return out;
}

/** Which addons with admin credentials the config installs. */
export type AddonsEnabled = Record<AddonCredentials["addon"], boolean>;

/** The config switch that installs each addon, for the "not enabled" line. */
const ENABLE_HINT: Record<AddonCredentials["addon"], string> = {
  argocd: "Argo CD is always installed",
  grafana: "monitoring is off in the config (set monitoring: true to install Grafana)",
};

/** The entry of an addon the config does not install. Pure. */
export function disabledAddonCredentials(addon: AddonCredentials["addon"]): AddonCredentials {
  const s = ADDON_SECRETS[addon];
  return { addon, secret: `${s.namespace}/${s.name}`, status: "disabled", message: ENABLE_HINT[addon] };
}

/**
 * Reads the admin credentials of the addons the config installs. A missing Secret of an enabled addon
 * is "not installed yet", never an error; a disabled addon is not looked up at all.
 */
export async function readAddonCredentials(
  kube: KubeClient,
  enabled: AddonsEnabled = { argocd: true, grafana: true },
): Promise<AddonCredentials[]> {
  const read = async (addon: keyof typeof ADDON_SECRETS): Promise<AddonCredentials> => {
    if (!enabled[addon]) return disabledAddonCredentials(addon);
    const s = ADDON_SECRETS[addon];
    const base = { addon, secret: `${s.namespace}/${s.name}` } as const;
    const object = await kube.get("v1", "Secret", s.name, s.namespace);
    if (object === undefined) return { ...base, status: "not-installed" };
    const password = decodeKey(object, s.passwordKey);
    const username = s.userKey ? decodeKey(object, s.userKey) : "admin";
    if (password === undefined) {
      return { ...base, status: "unavailable", message: `the Secret has no "${s.passwordKey}" key` };
    }
    return { ...base, status: "found", username, password };
  };
  return [await read("argocd"), await read("grafana")];
}

function decodeKey(secret: KubeObject, key: string): string | undefined {
  const data = secret.data as Record<string, string> | undefined;
  const value = data?.[key];
  if (typeof value === "string") return Buffer.from(value, "base64").toString("utf8");
  const plain = (secret.stringData as Record<string, string> | undefined)?.[key];
  return typeof plain === "string" ? plain : undefined;
}

const TITLES: Record<AddonCredentials["addon"], string> = { argocd: "Argo CD", grafana: "Grafana" };

/** The report for a person. Contains secrets: write it to stdout only. */
export function renderCredentialsText(report: CredentialsReport): string {
  const out = [`Credentials of cluster "${report.cluster}"`, "", `Files in ${report.directory}/`];
  const width = Math.max(...report.files.map((f) => f.name.length));
  for (const f of report.files) {
    const state = !f.exists
      ? "missing (written by k8zner apply)"
      : `${f.mode ?? ""}${f.tooOpen ? " (readable by others: chmod 600 it)" : ""}`.trim();
    out.push(`  ${f.name.padEnd(width)}  ${f.path}  ${state}`.trimEnd());
    if (f.exists) out.push(`  ${"".padEnd(width)}  ${f.purpose}`);
  }
  if (report.kubeconfig !== undefined && !report.files.some((f) => f.path === report.kubeconfig)) {
    out.push(`  (cluster read through KUBECONFIG ${report.kubeconfig})`);
  }
  for (const a of report.addons) {
    out.push("", `${TITLES[a.addon]} (Secret ${a.secret})`);
    if (a.status === "not-installed") out.push("  not installed yet");
    else if (a.status === "disabled") out.push(`  not enabled: ${a.message ?? "off in the config"}`);
    else if (a.status === "unavailable") out.push(`  unavailable: ${a.message ?? "unknown"}`);
    else out.push(`  user      ${a.username ?? "admin"}`, `  password  ${a.password}`);
    if (a.access?.portForward) out.push(`  open      ${a.access.portForward}`, `            then ${a.access.url}`);
    else if (a.access) out.push(`  url       ${a.access.url}`);
  }
  if (report.addons.length === 0) out.push("", "Addon credentials: no kubeconfig yet (run k8zner apply)");
  return out.join("\n");
}

/** The `--json` document. Contains secrets: write it to stdout only. */
export function renderCredentialsJson(report: CredentialsReport): string {
  return JSON.stringify(report, null, 2);
}
