/**
 * `k8zner operator`'s flags and environment, checked before anything starts: every mistake is a
 * UsageError (exit 2) naming the flag or variable. In a pod the Kubernetes API is reached with the
 * service account (`token`, `ca.crt`, `namespace` in `K8ZNER_SERVICE_ACCOUNT_DIR`, by default
 * /var/run/secrets/kubernetes.io/serviceaccount) at `KUBERNETES_SERVICE_HOST:PORT`, as client-go's
 * in-cluster config does; the token file is re-read whenever it changes (projected tokens rotate).
 * Outside a cluster, `--kubeconfig`.
 *
 * @module
 */
import { K8ZNER_NAMESPACE } from "../addons/k8zner_crd.ts";
import { UsageError } from "../lib/errors.ts";
import { parseBindAddress } from "../operator/runtime/http_server.ts";
import type { LogLevel } from "../operator/runtime/json_logger.ts";
import { parseTalosAddressMap, type TalosAddressMap } from "../operator/talos_address_map.ts";
import { checkEndpointUrl } from "./endpoint_url.ts";
import { scaleFromEnv } from "./hcloud_env.ts";

export const SERVICE_ACCOUNT_DIR_ENV = "K8ZNER_SERVICE_ACCOUNT_DIR";
export const DEFAULT_SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
export const TALOS_ADDRESS_MAP_ENV = "K8ZNER_TALOS_ADDRESS_MAP";
export const DEFAULT_HEALTH_ADDRESS = "127.0.0.1:8081";
export const DEFAULT_METRICS_ADDRESS = "127.0.0.1:8080";
export const CHARTS_DIR_ENV = "K8ZNER_CHARTS_DIR";
export const HELM_BINARY_ENV = "K8ZNER_HELM_BINARY";
/** Where the operator image keeps the pinned chart archives and CRD bundles. */
export const DEFAULT_CHARTS_DIR = "/charts";
/** Where the operator image keeps the pinned Helm binary. */
export const DEFAULT_HELM_BINARY = "/usr/local/bin/helm";
const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];
/**
 * Test-only: the operator's clock runs this many times faster than real time (every schedule it keeps:
 * resync, lease, watch restarts, the hourly server listing, the 6-hourly infrastructure check, Helm
 * backoff, healing thresholds), so a benchmark can watch an idle hour in a real minute. Unset: the real
 * clock. Capped at 1000: beyond it the lease's 10 s renew deadline is shorter than one API round trip.
 */
export const OPERATOR_CLOCK_SCALE_ENV = "K8ZNER_OPERATOR_CLOCK_SCALE";
const MAX_CLOCK_SCALE = 1_000;

/** The command's flags as commander gives them. */
export interface OperatorFlags {
  kubeconfig?: string;
  healthProbeBindAddress?: string;
  metricsBindAddress?: string;
  talosAddressMap?: string;
  namespace?: string;
  logLevel?: string;
  leaderElectionLeaseDuration?: string;
  leaderElectionRenewDeadline?: string;
  leaderElectionRetryPeriod?: string;
  chartsDir?: string;
  helmBinary?: string;
}

/** Everything the operator process needs, checked. */
export interface OperatorConfig {
  /** How to reach the Kubernetes API (`createKubeClient` options) and a description for the log. */
  kube: { kubeconfigYaml: string; tokenFile?: string; source: string };
  identity: string;
  namespace: string;
  /** Undefined when disabled with `0`. */
  healthAddress?: string;
  metricsAddress?: string;
  talosAddressMap: TalosAddressMap;
  logLevel: LogLevel;
  lease: { durationMs: number; renewDeadlineMs: number; retryPeriodMs: number };
  /** `HCLOUD_ENDPOINT`, when set (another Hetzner API base URL). */
  hcloudEndpoint?: string;
  /** {@link OPERATOR_CLOCK_SCALE_ENV} when set (tests only); absent: the real clock. */
  clockScale?: number;
  /**
   * Helm: its binary, the charts directory, and its kubeconfig: the `--kubeconfig` file as it is, or (in a
   * pod) one to write, pointing at the service account's `ca.crt` and `token` files (so a rotated token is
   * read by every Helm process).
   */
  helm: { binary: string; chartsDir: string; kubeconfig: { path: string } | { yaml: string } };
}

/** What loading reads from outside. */
export interface OperatorConfigIo {
  env(name: string): string | undefined;
  /** Reads a text file; undefined when it does not exist. */
  readTextFile(path: string): Promise<string | undefined>;
  /** What is at `path`: a file, a directory, or nothing. */
  pathKind(path: string): Promise<"file" | "directory" | "missing">;
  /** `path` made absolute against the working directory. */
  absolutePath(path: string): string;
  /** A unique suffix for an identity outside a pod. */
  randomSuffix(): string;
}

/** `15s`, `500ms`, `1m`, `1m30s` as milliseconds. */
export function parseDurationFlag(flag: string, text: string): number {
  const parts = [...text.matchAll(/(\d+)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text) {
    throw new UsageError(`${flag} "${text}" is not a duration: use e.g. 500ms, 15s or 1m`);
  }
  const unit: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
  return parts.reduce((sum, p) => sum + Number(p[1]) * unit[p[2]!]!, 0);
}

function bindAddress(flag: string, value: string | undefined, fallback: string): string | undefined {
  const address = value ?? fallback;
  if (address === "0") return undefined;
  try {
    parseBindAddress(address);
  } catch (err) {
    throw new UsageError(`${flag}: ${(err as Error).message}`, {
      hint: "The Deployment passes $(POD_IP):<port>; use 0 to turn the endpoint off.",
    });
  }
  return address;
}

function yamlString(text: string): string {
  return JSON.stringify(text);
}

/** The kubeconfig of the in-cluster service account (the token comes from the file, re-read). */
export function renderInClusterKubeconfig(input: { server: string; caFile: string; namespace: string }): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: in-cluster",
    "  cluster:",
    `    server: ${yamlString(input.server)}`,
    `    certificate-authority: ${yamlString(input.caFile)}`,
    "users:",
    "- name: service-account",
    "  user: {}",
    "contexts:",
    "- name: in-cluster",
    "  context:",
    "    cluster: in-cluster",
    "    user: service-account",
    `    namespace: ${yamlString(input.namespace)}`,
    "current-context: in-cluster",
    "",
  ].join("\n");
}

/** The kubeconfig Helm uses in a pod: the service account's CA and token files, re-read by Helm on each request. */
export function renderHelmKubeconfig(input: {
  server: string;
  caFile: string;
  tokenFile: string;
  namespace: string;
}): string {
  return renderInClusterKubeconfig(input).replace(
    "  user: {}\n",
    `  user:\n    tokenFile: ${yamlString(input.tokenFile)}\n`,
  );
}

async function helmPaths(flags: OperatorFlags, io: OperatorConfigIo): Promise<{ binary: string; chartsDir: string }> {
  const pick = (flag: string, env: string, value: string | undefined, fallback: string) => {
    const fromEnv = io.env(env)?.trim();
    const text = value ?? (fromEnv || undefined) ?? fallback;
    const source = value !== undefined ? flag : fromEnv ? env : flag;
    if (text.trim() === "" || text.includes("\0")) throw new UsageError(`${source} is empty: give a path`);
    return { path: io.absolutePath(text), source };
  };
  const binary = pick("--helm-binary", HELM_BINARY_ENV, flags.helmBinary, DEFAULT_HELM_BINARY);
  const charts = pick("--charts-dir", CHARTS_DIR_ENV, flags.chartsDir, DEFAULT_CHARTS_DIR);
  // A missing one is not fatal here: outside the image the charts come from their repositories, and a
  // missing Helm shows in status.addons once an addon is due. A wrong kind of thing is a mistake.
  if ((await io.pathKind(binary.path)) === "directory") {
    throw new UsageError(`${binary.source} "${binary.path}" is a directory, not the helm binary`);
  }
  if ((await io.pathKind(charts.path)) === "file") {
    throw new UsageError(`${charts.source} "${charts.path}" is a file, not the directory of chart archives`);
  }
  return { binary: binary.path, chartsDir: charts.path };
}

async function inClusterKube(
  io: OperatorConfigIo,
): Promise<{ kube: OperatorConfig["kube"]; namespace?: string; helmKubeconfig: string }> {
  const host = io.env("KUBERNETES_SERVICE_HOST")?.trim();
  const port = io.env("KUBERNETES_SERVICE_PORT")?.trim();
  if (!host || !port) {
    throw new UsageError(
      "Cannot find the Kubernetes API: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set",
      {
        hint: "Inside a pod Kubernetes sets them; outside a cluster pass --kubeconfig <path>.",
      },
    );
  }
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) {
    throw new UsageError(`KUBERNETES_SERVICE_PORT="${port}" is not a port number`);
  }
  const dir = (io.env(SERVICE_ACCOUNT_DIR_ENV)?.trim() || DEFAULT_SERVICE_ACCOUNT_DIR).replace(/\/+$/, "");
  const tokenFile = `${dir}/token`;
  const caFile = `${dir}/ca.crt`;
  const [token, ca, namespace] = await Promise.all([
    io.readTextFile(tokenFile),
    io.readTextFile(caFile),
    io.readTextFile(`${dir}/namespace`),
  ]);
  const hint =
    `The service account's files are mounted there in a pod; set ${SERVICE_ACCOUNT_DIR_ENV} to another directory.`;
  if (token === undefined || token.trim() === "") {
    throw new UsageError(
      `Cannot authenticate to Kubernetes: ${tokenFile} is ${token === undefined ? "missing" : "empty"}`,
      {
        hint,
      },
    );
  }
  if (ca === undefined || !ca.includes("-----BEGIN CERTIFICATE-----")) {
    throw new UsageError(
      `Cannot verify the Kubernetes API: ${caFile} is ${ca === undefined ? "missing" : "not a PEM certificate"}`,
      { hint },
    );
  }
  const bracketed = host.includes(":") ? `[${host}]` : host;
  const ns = namespace?.trim() || undefined;
  return {
    kube: {
      kubeconfigYaml: renderInClusterKubeconfig({
        server: `https://${bracketed}:${port}`,
        caFile,
        namespace: ns ?? K8ZNER_NAMESPACE,
      }),
      tokenFile,
      source: `service account in ${dir}, API https://${bracketed}:${port}`,
    },
    ...(ns ? { namespace: ns } : {}),
    helmKubeconfig: renderHelmKubeconfig({
      server: `https://${bracketed}:${port}`,
      caFile,
      tokenFile,
      namespace: ns ?? K8ZNER_NAMESPACE,
    }),
  };
}

/** Checks flags and environment and reads the credentials they point at. */
export async function loadOperatorConfig(flags: OperatorFlags, io: OperatorConfigIo): Promise<OperatorConfig> {
  const healthAddress = bindAddress(
    "--health-probe-bind-address",
    flags.healthProbeBindAddress,
    DEFAULT_HEALTH_ADDRESS,
  );
  const metricsAddress = bindAddress("--metrics-bind-address", flags.metricsBindAddress, DEFAULT_METRICS_ADDRESS);
  if (healthAddress !== undefined && healthAddress === metricsAddress && !healthAddress.endsWith(":0")) {
    throw new UsageError(`--health-probe-bind-address and --metrics-bind-address are both ${healthAddress}`);
  }
  const mapText = flags.talosAddressMap ?? io.env(TALOS_ADDRESS_MAP_ENV) ?? "";
  let talosAddressMap: TalosAddressMap;
  try {
    talosAddressMap = parseTalosAddressMap(mapText);
  } catch (err) {
    const source = flags.talosAddressMap !== undefined ? "--talos-address-map" : TALOS_ADDRESS_MAP_ENV;
    throw new UsageError(`${source}: ${(err as Error).message}`);
  }
  const logLevel = (flags.logLevel ?? "info") as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new UsageError(`--log-level "${flags.logLevel}" is not one of ${LOG_LEVELS.join(", ")}`);
  }
  const lease = {
    durationMs: parseDurationFlag("--leader-election-lease-duration", flags.leaderElectionLeaseDuration ?? "15s"),
    renewDeadlineMs: parseDurationFlag("--leader-election-renew-deadline", flags.leaderElectionRenewDeadline ?? "10s"),
    retryPeriodMs: parseDurationFlag("--leader-election-retry-period", flags.leaderElectionRetryPeriod ?? "2s"),
  };
  if (!(lease.retryPeriodMs < lease.renewDeadlineMs && lease.renewDeadlineMs < lease.durationMs)) {
    throw new UsageError(
      "--leader-election-retry-period < --leader-election-renew-deadline < --leader-election-lease-duration must hold",
    );
  }
  const endpoint = io.env("HCLOUD_ENDPOINT")?.trim() || undefined;
  const hcloudEndpoint = endpoint === undefined ? undefined : checkEndpointUrl("HCLOUD_ENDPOINT", endpoint);
  const clockScale = scaleFromEnv(io.env, OPERATOR_CLOCK_SCALE_ENV, MAX_CLOCK_SCALE);

  const helmFiles = await helmPaths(flags, io);
  let kube: OperatorConfig["kube"];
  let fileNamespace: string | undefined;
  let helmKubeconfig: OperatorConfig["helm"]["kubeconfig"];
  if (flags.kubeconfig !== undefined) {
    const text = await io.readTextFile(flags.kubeconfig);
    if (text === undefined) throw new UsageError(`--kubeconfig ${flags.kubeconfig}: no such file`);
    kube = { kubeconfigYaml: text, source: `kubeconfig ${flags.kubeconfig}` };
    helmKubeconfig = { path: io.absolutePath(flags.kubeconfig) };
  } else {
    const found = await inClusterKube(io);
    kube = found.kube;
    fileNamespace = found.namespace;
    helmKubeconfig = { yaml: found.helmKubeconfig };
  }
  const namespace = flags.namespace ?? io.env("POD_NAMESPACE")?.trim() ?? fileNamespace ?? K8ZNER_NAMESPACE;
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(namespace)) {
    throw new UsageError(`Namespace "${namespace}" is not a valid Kubernetes namespace name`);
  }
  const identity = io.env("POD_NAME")?.trim() || `k8zner-operator-${io.randomSuffix()}`;
  return {
    kube,
    identity,
    namespace,
    ...(healthAddress ? { healthAddress } : {}),
    ...(metricsAddress ? { metricsAddress } : {}),
    talosAddressMap,
    logLevel,
    lease,
    ...(hcloudEndpoint ? { hcloudEndpoint } : {}),
    ...(clockScale !== undefined ? { clockScale } : {}),
    helm: { ...helmFiles, kubeconfig: helmKubeconfig },
  };
}
