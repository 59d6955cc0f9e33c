/**
 * `k8zner doctor` once a cluster exists: the `K8znerCluster` object's status (phase, conditions,
 * control planes and workers ready of desired, nodes, addons, endpoints) turned into checks.
 * The conversion is pure; {@link readK8znerCluster} is the one read.
 *
 * @module
 */
import { K8ZNER_API_VERSION, K8ZNER_CLUSTER_KIND, K8ZNER_NAMESPACE } from "../addons/k8zner_crd.ts";
import type { KubeClient, KubeObject } from "../kube/mod.ts";
import { type CheckStatus, type DoctorCheck, type DoctorNode, nodeHealth } from "./doctor_report.ts";

/** Reads the cluster's K8znerCluster object; undefined when it (or its CRD) does not exist. */

/** Conditions that report a problem when True. */
const NEGATIVE_CONDITIONS: ReadonlySet<string> = new Set(["Degraded", "UpgradeBlocked"]);
export function readK8znerCluster(kube: KubeClient, name: string): Promise<KubeObject | undefined> {
  return kube.get(K8ZNER_API_VERSION, K8ZNER_CLUSTER_KIND, name, K8ZNER_NAMESPACE);
}

interface PoolStatus {
  desired?: number;
  ready?: number;
  unhealthy?: number;
  nodes?: {
    name: string;
    phase?: string;
    healthy?: boolean;
    unhealthyReason?: string;
    privateIP?: string;
    publicIP?: string;
  }[];
}

interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason?: string;
  message?: string;
}

interface AddonStatus {
  phase?: string;
  chartVersion?: string;
  message?: string;
  /** The last lines of Helm's stderr of the last failed run. */
  lastError?: string;
  retryAt?: string;
  installOrder?: number;
}

/** One addon as doctor reports it (text and `--json`). */
export interface DoctorAddon {
  name: string;
  /** Pending, Installing, Upgrading, Recovering, Installed or Failed (`ADDON_PHASES`). */
  phase: string;
  chartVersion?: string;
  message?: string;
  /** Helm's last error, shown while the addon is not Installed. */
  lastError?: string;
  retryAt?: string;
}

/** The `status` fields doctor reads (see src/addons/k8zner_crd.ts for the schema). */
export interface K8znerClusterStatus {
  phase?: string;
  provisioningPhase?: string;
  controlPlaneEndpoint?: string;
  controlPlanes?: PoolStatus;
  workers?: PoolStatus;
  conditions?: Condition[];
  addons?: Record<string, AddonStatus>;
  connectivity?: {
    kubeAPIReady?: boolean;
    metricsAPIReady?: boolean;
    endpoints?: { host: string; dnsReady?: boolean; tlsReady?: boolean; httpReady?: boolean; message?: string }[];
  };
  lastErrors?: { time?: string; phase?: string; component?: string; message?: string }[];
}

/** What doctor takes from the object. */
export interface ClusterStatusChecks {
  phase: string;
  checks: DoctorCheck[];
  nodes: DoctorNode[];
  addons: DoctorAddon[];
}

/** Addons in the order the operator installs them (inventory §5.1); others follow by name. */
export const ADDON_ORDER = [
  "cilium",
  "hcloud-cloud-controller-manager",
  "hcloud-ccm",
  "hcloud-csi",
  "metrics-server",
  "cert-manager",
  "traefik",
  "external-dns",
  "argo-cd",
  "argocd",
  "kube-prometheus-stack",
  "monitoring",
  "talos-backup",
];

/** The last non-empty line of Helm's stderr, at most 200 characters: enough to see why, short enough to read. */
function lastLine(text: string | undefined): string | undefined {
  const line = text?.split("\n").map((l) => l.trim()).filter((l) => l !== "").at(-1);
  if (line === undefined) return undefined;
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

/** Turns a K8znerCluster object into doctor's phase, checks and nodes. Pure. */
export function checkClusterStatus(object: KubeObject): ClusterStatusChecks {
  const status = (object.status ?? {}) as K8znerClusterStatus;
  const spec = (object.spec ?? {}) as { controlPlanes?: { count?: number }; workers?: { count?: number } };
  const checks: DoctorCheck[] = [];
  const phase = status.phase ?? "Unknown";
  const provisioning = status.provisioningPhase && status.provisioningPhase !== "Running"
    ? ` (provisioning step ${status.provisioningPhase})`
    : "";
  const phaseStatus: CheckStatus = phase === "Running"
    ? "ok"
    : phase === "Failed" || phase === "Degraded"
    ? "fail"
    : "warn";
  // While the operator is still building (or healing) the cluster, nodes not ready yet and
  // conditions still False are progress, not failures: they warn, and doctor exits 0.
  const inProgress = status.phase === undefined || status.phase === "Provisioning" || status.phase === "Healing";
  const notYet: CheckStatus = inProgress ? "warn" : "fail";
  checks.push({
    id: "cluster.phase",
    section: "Cluster",
    title: "Phase",
    status: phaseStatus,
    detail: status.phase ? `${phase}${provisioning}` : "no status yet (the operator has not reported)",
    ...(phaseStatus === "ok" ? {} : { hint: "Follow it with `k8zner doctor --watch`." }),
  });
  for (const c of status.conditions ?? []) {
    // Degraded and UpgradeBlocked are the conditions whose True is bad (False is their healthy state, an
    // upgrade in progress included); Progressing False is no failure in itself.
    const negative = NEGATIVE_CONDITIONS.has(c.type);
    const good = negative ? "False" : "True";
    const bad = negative ? "True" : "False";
    const s: CheckStatus = c.status === good || (c.type === "Progressing" && c.status === "False")
      ? "ok"
      : c.status === bad
      ? negative ? "fail" : notYet
      : "warn";
    checks.push({
      id: `cluster.condition.${c.type}`,
      section: "Conditions",
      title: c.type,
      status: s,
      detail: [c.status, c.reason, c.message].filter((x) => x !== undefined && x !== "").join(": "),
    });
  }
  for (
    const [key, title, pool, desired] of [
      ["control_planes", "Control planes", status.controlPlanes, spec.controlPlanes?.count],
      ["workers", "Workers", status.workers, spec.workers?.count],
    ] as const
  ) {
    const want = pool?.desired ?? desired;
    const ready = pool?.ready ?? 0;
    const unhealthy = pool?.unhealthy ?? 0;
    const ok = want !== undefined && ready >= want && unhealthy === 0;
    checks.push({
      id: `cluster.${key}`,
      section: "Cluster",
      title,
      status: ok ? "ok" : unhealthy > 0 ? "fail" : notYet,
      detail: `${ready}/${want ?? "?"} ready${unhealthy ? `, ${unhealthy} unhealthy` : ""}`,
    });
  }
  const addons = Object.entries(status.addons ?? {}).sort(([a, x], [b, y]) =>
    orderOf(a, x) - orderOf(b, y) || a.localeCompare(b)
  );
  const addonList: DoctorAddon[] = [];
  for (const [name, a] of addons) {
    const phase = a.phase ?? "Pending";
    const installed = phase === "Installed";
    const lastError = installed ? undefined : lastLine(a.lastError);
    const s: CheckStatus = phase === "Failed" ? "fail" : installed ? "ok" : "warn";
    const detail = [phase, a.chartVersion, installed ? undefined : a.message, lastError && `last error: ${lastError}`]
      .filter((x) => x !== undefined && x !== "").join(", ");
    const retry = phase === "Failed" && a.retryAt ? `The operator retries at ${a.retryAt}.` : undefined;
    checks.push({
      id: `addon.${name}`,
      section: "Addons",
      title: name,
      status: s,
      detail,
      ...(retry
        ? { hint: `${retry} \`kubectl -n k8zner-system logs deploy/k8zner-operator\` shows the Helm run.` }
        : {}),
    });
    addonList.push({
      name,
      phase,
      ...(a.chartVersion ? { chartVersion: a.chartVersion } : {}),
      ...(!installed && a.message ? { message: a.message } : {}),
      ...(lastError ? { lastError } : {}),
      ...(!installed && a.retryAt ? { retryAt: a.retryAt } : {}),
    });
  }
  const conn = status.connectivity;
  if (status.controlPlaneEndpoint || conn) {
    checks.push({
      id: "endpoint.kube_api",
      section: "Endpoints",
      title: "Kubernetes API",
      status: conn?.kubeAPIReady === false ? "fail" : "ok",
      detail: `${status.controlPlaneEndpoint ? `https://${status.controlPlaneEndpoint}:6443` : "endpoint unknown"}${
        conn?.kubeAPIReady === false ? ", not answering (operator's last check)" : ""
      }`,
    });
  }
  if (conn?.metricsAPIReady !== undefined) {
    checks.push({
      id: "endpoint.metrics_api",
      section: "Endpoints",
      title: "Metrics API",
      status: conn.metricsAPIReady ? "ok" : "warn",
      detail: conn.metricsAPIReady ? "serving" : "not serving yet",
    });
  }
  for (const e of conn?.endpoints ?? []) {
    const missing = [["DNS", e.dnsReady], ["TLS", e.tlsReady], ["HTTP", e.httpReady]]
      .filter(([, ready]) => ready !== true).map(([what]) => what);
    checks.push({
      id: `endpoint.${e.host}`,
      section: "Endpoints",
      title: e.host,
      status: missing.length === 0 ? "ok" : "warn",
      detail: missing.length === 0
        ? "DNS, TLS and HTTP ready"
        : `missing ${missing.join(", ")}${e.message ? ` (${e.message})` : ""}`,
    });
  }
  const lastError = status.lastErrors?.at(-1);
  if (lastError?.message && phaseStatus !== "ok") {
    checks.push({
      id: "cluster.last_error",
      section: "Cluster",
      title: "Last error",
      status: "warn",
      detail: `${lastError.component ?? lastError.phase ?? "operator"}: ${lastError.message}`,
    });
  }
  const nodes: DoctorNode[] = [
    ...(status.controlPlanes?.nodes ?? []).map((n) => node(n, "control-plane")),
    ...(status.workers?.nodes ?? []).map((n) => node(n, "worker")),
  ];
  return { phase, checks, nodes, addons: addonList };
}

function node(n: NonNullable<PoolStatus["nodes"]>[number], role: DoctorNode["role"]): DoctorNode {
  const out: DoctorNode = { name: n.name, role, health: nodeHealth(n) };
  if (n.phase !== undefined) out.phase = n.phase;
  if (n.privateIP !== undefined) out.privateIP = n.privateIP;
  if (n.publicIP !== undefined) out.publicIP = n.publicIP;
  return out;
}

function orderOf(name: string, a: AddonStatus): number {
  const i = ADDON_ORDER.indexOf(name);
  return i >= 0 ? i : 100 + (a.installOrder ?? 0);
}
