/**
 * `k8zner doctor` as one function: before a cluster exists (no kubeconfig) it checks the Hetzner
 * project and the allowlist; once it exists it reads the `K8znerCluster` status. Both stages list
 * what the Hetzner project holds with the cluster's labels (one discovery pass, only GETs).
 *
 * @module
 */
import { discoverCluster } from "../cluster/infra/discover.ts";
import type { DesiredState } from "../config/mod.ts";
import { type HcloudClient, HcloudError, isHcloudError } from "../hcloud/mod.ts";
import type { KubeClient } from "../kube/mod.ts";
import { checkClusterStatus, readK8znerCluster } from "./doctor_cluster.ts";
import { runPreClusterChecks } from "./doctor_precluster.ts";
import { checkEndpoints, type EndpointProbes, publicEndpoints } from "./doctor_endpoints.ts";
import type { DoctorCheck, DoctorReport } from "./doctor_report.ts";
import { type DestroyItem, destroyItems, planDestroy } from "../cluster/destroy/plan.ts";

/** Dependencies of {@link runDoctor}. */
export interface DoctorDeps {
  /** The Hetzner client; undefined when `HCLOUD_TOKEN` is not set. */
  hc: HcloudClient | undefined;
  /** The kubeconfig to use, or undefined before the cluster exists. */
  kubeconfig: { path: string; yaml: string } | undefined;
  /** Creates a Kubernetes client (lazy: only called in the cluster stage). */
  createKube: (kubeconfigYaml: string) => Promise<KubeClient>;
  /** Detects the caller's public IPv4 (pre-cluster allowlist check). */
  detectCallerIp: () => Promise<string>;
  ipUrl: string;
  now: () => Date;
  /** Milliseconds to wait for the Kubernetes API before reporting it unreachable (default 10 s). */
  kubeTimeoutMs?: number;
  /** DNS, TLS and HTTP probes of the public endpoints (with a domain); absent: not probed. */
  probes?: EndpointProbes;
}

const SECTION_CLUSTER = "Cluster";
const UNREACHABLE = "Unreachable";
/** The phase of a cluster whose kubeconfig is on disk but which has nothing left in the project. */
export const NOT_FOUND = "Not found";
const SECTION_HETZNER = "Hetzner project";

/** Runs every check of the current stage once. Never throws for a failing check; only for bugs. */
export async function runDoctor(deps: DoctorDeps, desired: DesiredState): Promise<DoctorReport> {
  const name = desired.cluster.name;
  const report: DoctorReport = {
    cluster: name,
    region: desired.cluster.region,
    stage: deps.kubeconfig ? "cluster" : "pre-cluster",
    phase: "Unknown",
    checks: [],
    nodes: [],
    inventory: undefined,
    checkedAt: deps.now().toISOString(),
  };
  if (deps.kubeconfig === undefined) {
    report.checks = await runPreClusterChecks(deps, desired);
    const tokenOk = report.checks.find((c) => c.id === "hcloud.token")?.status === "ok";
    if (deps.hc && tokenOk) {
      const found = await discover(deps.hc, desired);
      report.checks.push(...found.checks);
      report.inventory = found.inventory;
      if (found.inventory) {
        report.phase = found.inventory.length === 0 ? "Not created" : "Partially created";
        if (found.inventory.length > 0) {
          report.checks.push({
            id: "cluster.kubeconfig",
            section: SECTION_CLUSTER,
            title: "Cluster",
            status: "warn",
            detail: `${found.inventory.length} resource(s) exist in Hetzner but there is no kubeconfig yet`,
            hint: "Run `k8zner apply`: it continues where the cloud stands.",
          });
        }
      }
    }
    return report;
  }
  report.kubeconfig = deps.kubeconfig.path;
  const [kube, hetzner] = await Promise.all([
    checkKubernetes(deps, deps.kubeconfig.yaml, name),
    deps.hc ? discover(deps.hc, desired) : Promise.resolve(undefined),
  ]);
  // A kubeconfig whose API does not answer, and nothing in the project carries the cluster's label:
  // the cluster was destroyed (destroy keeps ./secrets unless --purge-secrets), not merely unreachable.
  if (kube.phase === UNREACHABLE && hetzner?.inventory?.length === 0) {
    report.phase = NOT_FOUND;
    report.checks.push({
      id: "cluster.exists",
      section: SECTION_CLUSTER,
      title: "Cluster",
      status: "fail",
      detail: `cluster ${name} does not exist in this project (destroyed?): ` +
        `nothing is labelled k8zner.io/cluster=${name}, and ${deps.kubeconfig.path} is left from an earlier cluster`,
      hint: "Run `k8zner apply` to create it again.",
    });
    report.checks.push(...hetzner.checks);
    report.inventory = hetzner.inventory;
    return report;
  }
  report.phase = kube.phase;
  report.nodes = kube.nodes;
  report.checks.push(...kube.checks);
  if (kube.addons) report.addons = kube.addons;
  const endpoints = publicEndpoints(desired);
  if (deps.probes && endpoints.length > 0) {
    const probed = await checkEndpoints(deps.probes, endpoints, { now: deps.now(), strict: kube.phase === "Running" });
    report.checks.push(...probed.checks);
    report.endpoints = probed.endpoints;
  }
  if (hetzner) {
    report.checks.push(...hetzner.checks);
    report.inventory = hetzner.inventory;
  } else {
    report.checks.push({
      id: "hcloud.token",
      section: SECTION_HETZNER,
      title: "Hetzner inventory",
      status: "warn",
      detail: "skipped: HCLOUD_TOKEN is not set",
      hint: "Export HCLOUD_TOKEN to also list the cluster's Hetzner resources.",
    });
  }
  return report;
}

async function checkKubernetes(
  deps: DoctorDeps,
  yaml: string,
  name: string,
): Promise<{ phase: string; checks: DoctorCheck[]; nodes: DoctorReport["nodes"]; addons?: DoctorReport["addons"] }> {
  const api = { id: "cluster.kube_api", section: SECTION_CLUSTER, title: "Kubernetes API" };
  let kube: KubeClient | undefined;
  try {
    kube = await deps.createKube(yaml);
    const object = await withTimeout(readK8znerCluster(kube, name), deps.kubeTimeoutMs ?? 10_000, kube.server);
    if (object === undefined) {
      return {
        phase: "Unknown",
        nodes: [],
        checks: [
          { ...api, status: "ok", detail: `answering at ${kube.server}` },
          {
            id: "cluster.object",
            section: SECTION_CLUSTER,
            title: "K8znerCluster",
            status: "fail",
            detail: `k8zner-system/${name} not found (the operator is not installed yet)`,
            hint: "Run `k8zner apply` to finish the hand-over to the operator.",
          },
        ],
      };
    }
    const result = checkClusterStatus(object);
    return {
      phase: result.phase,
      nodes: result.nodes,
      addons: result.addons,
      checks: [{ ...api, status: "ok", detail: `answering at ${kube.server}` }, ...result.checks],
    };
  } catch (err) {
    return {
      phase: UNREACHABLE,
      nodes: [],
      checks: [{
        ...api,
        status: "fail",
        detail: err instanceof Error ? err.message : String(err),
        hint: "Check the kubeconfig and that your IP is in api_allowlist; `k8zner apply` re-creates missing pieces.",
      }],
    };
  } finally {
    kube?.close();
  }
}

async function discover(
  hc: HcloudClient,
  desired: DesiredState,
): Promise<{ checks: DoctorCheck[]; inventory: DestroyItem[] | undefined }> {
  try {
    const observed = await discoverCluster(hc, desired.cluster.name, { desired });
    const checks: DoctorCheck[] = observed.conflicts.map((c) => ({
      id: `hcloud.conflict.${c.kind}.${c.name}`,
      section: SECTION_HETZNER,
      title: `Name conflict: ${c.kind.replace("_", " ")} ${c.name}`,
      status: "fail" as const,
      detail: `id ${c.id} is ${c.owner}`,
      hint: "k8zner never adopts or deletes it: rename or remove it, or choose another cluster name.",
    }));
    return { checks, inventory: destroyItems(planDestroy(observed)) };
  } catch (err) {
    const unauthorized = isHcloudError(err, "unauthorized");
    return {
      inventory: undefined,
      checks: [{
        id: "hcloud.inventory",
        section: SECTION_HETZNER,
        title: "Hetzner inventory",
        status: "fail",
        detail: unauthorized ? "HCLOUD_TOKEN was rejected (401 unauthorized)" : (err as Error).message,
        ...(err instanceof HcloudError && err.hint ? { hint: err.hint } : {}),
      }],
    };
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, server: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from ${server} within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
