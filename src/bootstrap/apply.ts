/**
 * `runApply()`: from a validated spec to a bootstrapped Talos cluster handed over to its operator
 * (ADR 0002), or, for a cluster already handed over, an update of its `K8znerCluster` spec.
 *
 * Order of a first run: one discovery pass (read-only; it also proves the token before anything is
 * written), the secrets bundle (generated only when the cluster has no servers yet, before any request
 * that creates anything), the existing client configs pointed at the live cluster, the caller's IP
 * when the allowlist is empty; then the Talos image in parallel with
 * the infrastructure (network → firewall, load balancer, placement groups, SSH key); the first
 * control plane from the snapshot with its planned private IP; its machine config over the Talos
 * API in maintenance mode; etcd bootstrapped exactly once (detected, not remembered); talosconfig
 * and kubeconfig; the Kubernetes API through the load balancer; the operator; the `K8znerCluster`.
 * Every step finds its work done on a re-run, so a killed apply simply runs again. Nothing is torn
 * down on failure.
 *
 * @module
 */
import { type DesiredState, expandSpec, type FieldPosition, type Spec } from "../config/mod.ts";
import type { Server } from "../hcloud/mod.ts";
import type { KubeClient, KubeObject } from "../kube/mod.ts";
import type { ProgressSink } from "../lib/progress.ts";
import { UsageError } from "../lib/errors.ts";
import { parseTalosconfig } from "../talos/talosconfig.ts";
import type { SecretsBundle } from "../talos/secrets_bundle.ts";
import { backupSecretName, type K8znerClusterSpec } from "../addons/k8zner_cluster.ts";
import {
  kubeApiServerUrl,
  liveEndpointsOf,
  talosEndpoints,
  talosNodes,
} from "../cluster/credentials/client_endpoints.ts";
import {
  CREDENTIAL_FILES,
  ensureClusterSecrets,
  ensureKubeconfig,
  ensureTalosconfig,
} from "../cluster/credentials/credentials.ts";
import { repointClientConfigs } from "../cluster/credentials/repoint.ts";
import { readTextIfExists } from "../lib/secure_files.ts";
import { join } from "node:path";
import { discoverCluster } from "../cluster/infra/discover.ts";
import { assertNoConflicts, runTask } from "../cluster/infra/ensure_common.ts";
import { ensureInfrastructure } from "../cluster/infra/ensure_infrastructure.ts";
import {
  ensureK8znerCluster,
  findK8znerCluster,
  followClusterStatus,
  installOperator,
  renderHandoverManifests,
  retireLegacyCredentials,
  waitForKubeApi,
} from "../cluster/handover/handover.ts";
import type { ObservedCluster } from "../cluster/infra/observed.ts";
import { talosSnapshotAnnotation } from "../cluster/handover/talos_snapshot_record.ts";
import { infrastructureRecordAnnotation } from "../cluster/handover/infrastructure_record.ts";
import { bootstrapFirstControlPlane, fetchKubeconfig } from "../cluster/nodes/talos_bootstrap.ts";
import type { ApplyDeps, ObjectStorageCredentials } from "./apply_deps.ts";
import { ensureBackupBucket } from "../cluster/backup/ensure_bucket.ts";
import { type BackupSecretInput, renderBackupSecret } from "../addons/operator_manifests.ts";
import { ApplyFailedError } from "./apply_errors.ts";
import { type ApplyPlan, buildApplyPlan, planClusterSpec, renderDesiredClusterSpec } from "./apply_plan.ts";
import { findLiveCluster } from "./live_cluster.ts";
import { renderFirstControlPlaneConfig } from "../cluster/nodes/node_config.ts";
import { renderApplyPlan } from "./render_apply_plan.ts";
import { provisionCloud } from "./provision_cloud.ts";
import { readNodeVersions } from "./node_versions.ts";
import {
  assertVersionChange,
  currentVersionsOfNodes,
  currentVersionsOfSpec,
  describeVersionChange,
} from "./version_gate.ts";

/** Options of {@link runApply}. */
export interface ApplyOptions {
  spec: Spec;
  /** The config file as shown to the user. */
  configPath: string;
  /** The cluster's secrets directory, `<config dir>/secrets/<cluster>` or `--secrets-dir` (created 0700). */
  secretsDir: string;
  /** A directory given a `.gitignore` of `*` when it has none (the `secrets/` beside the config). */
  secretsGitignoreDir?: string;
  /** Confirmations answered yes. */
  yes: boolean;
  /** Follow the cluster's status until Ready after the hand-over. */
  wait: boolean;
  /** Asks the user to confirm a change to a running cluster (the plan is shown first). Without it and `yes`, apply refuses. */
  confirm?: (question: string) => Promise<boolean>;
  /** Shows the plan of an update (text, never secrets). */
  showPlan?: (text: string) => void;
  /** Cloudflare token for the operator's Secret (when `domain` is set). */
  cloudflareApiToken?: string;
  /** Object Storage credentials (when `backup` is set): the bucket is ensured with them and they go to the operator. */
  backupCredentials?: ObjectStorageCredentials;
  /** `restore`: etcd of the first control plane starts from this snapshot (integrity checked) instead of empty. */
  recoverFrom?: Uint8Array;
  /** Where each field of the config is, so a version the running cluster cannot move to is shown on its line. */
  configPositions?: Readonly<Record<string, FieldPosition>>;
}

/** What a run did. */
export interface ApplyResult {
  cluster: string;
  /** `bootstrapped`: the pipeline ran (first run or resume); `updated`/`unchanged`: a handed-over cluster. */
  outcome: "bootstrapped" | "updated" | "unchanged" | "declined";
  kubeconfigPath?: string;
  talosconfigPath?: string;
  /** Kubernetes API URL the kubeconfig uses (the load balancer, or a control plane when it is private). */
  apiEndpoint?: string;
  /** The plan of an update (handed-over cluster). */
  plan?: ApplyPlan;
}

/** Runs `apply`. Errors after the first possible change are {@link ApplyFailedError}s. */
export async function runApply(deps: ApplyDeps, options: ApplyOptions, progress: ProgressSink): Promise<ApplyResult> {
  const desired = expandSpec(options.spec);
  const name = desired.cluster.name;
  // Discovery first: it only reads, so a rejected token fails here with nothing written, and it tells
  // whether the cluster already exists (then its bundle must be on disk, never generated anew).
  const observed = await runTask(progress.task("Discovery"), async () => {
    const o = await discoverCluster(deps.hc, name, { desired });
    return { result: o, changed: true, detail: describeObserved(o) };
  });
  const endpoints = liveEndpointsOf(observed);
  const secrets = await runTask(progress.task("Secrets"), async () => {
    const s = await ensureClusterSecrets({
      dir: options.secretsDir,
      now: deps.now(),
      clusterName: name,
      existingServers: observed.servers.map((server) => server.name),
      ...(options.secretsGitignoreDir ? { gitignoreDir: options.secretsGitignoreDir } : {}),
    });
    const moved = s.created ? {} : await repointClientConfigs({
      dir: options.secretsDir,
      clusterName: name,
      bundle: s.bundle,
      live: endpoints,
      access: desired.loadBalancer.access,
      now: deps.now(),
      createMissing: false,
    });
    const repointed = [moved.kubeconfig, moved.talosconfig].filter((f) => f?.outcome === "updated").length > 0;
    const detail = s.created
      ? `generated ${s.path}`
      : `reusing ${s.path}${repointed ? "; client configs now point at the live cluster" : ""}`;
    return { result: s, changed: s.created || repointed, detail };
  });
  const live = await findLiveCluster(deps, {
    secretsDir: options.secretsDir,
    clusterName: name,
    apiServer: kubeApiServerUrl(endpoints, desired.loadBalancer.access),
  });
  try {
    // Before any change: the config's versions must be a step the running cluster can take (exit 2 otherwise).
    const source = {
      path: options.configPath,
      ...(options.configPositions ? { positions: options.configPositions } : {}),
    };
    if (live.object) {
      assertVersionChange(currentVersionsOfSpec(live.object), desired, source);
    } else if (observed.servers.length > 0) {
      const nodes = await readNodeVersions(deps, {
        clusterName: name,
        secretsDir: options.secretsDir,
        servers: observed.servers,
        ...(live.kube ? { kube: live.kube } : {}),
      });
      assertVersionChange(currentVersionsOfNodes(nodes), desired, source);
    }
    let callerIp: string | undefined;
    if (desired.firewall.needsCallerIp) {
      callerIp = await runTask(progress.task("Caller IP"), async () => {
        const ip = await deps.detectCallerIp();
        return {
          result: ip,
          changed: true,
          detail: `${ip} (api_allowlist is empty: only this address may reach the APIs)`,
        };
      });
    }
    if (live.object && options.recoverFrom) {
      throw new UsageError(`Cannot restore cluster "${name}": its Kubernetes API answers with the cluster object`);
    }
    if (live.object) {
      return await updateHandedOver(deps, options, progress, {
        desired,
        observed,
        callerIp,
        live: live.object,
        kube: live.kube!,
        bundle: secrets.bundle,
      });
    }
    if (live.note) progress.note(`note: ${live.note}; continuing with the bootstrap`);
    return await bootstrap(deps, options, progress, { desired, observed, callerIp, bundle: secrets.bundle });
  } finally {
    live.kube?.close();
  }
}

interface RunContext {
  desired: DesiredState;
  observed: ObservedCluster;
  callerIp: string | undefined;
}

/**
 * With `backup: true`: the bucket exists (created exactly once) with the retention rule. Run before the
 * first change to Hetzner (and, for a running cluster, after the user confirmed the plan), so wrong Object
 * Storage credentials stop apply before a server is paid for. Returns the hand-over Secret's contents.
 */
async function ensureBucketStep(
  deps: ApplyDeps,
  options: ApplyOptions,
  progress: ProgressSink,
  desired: DesiredState,
  existing: string[],
): Promise<BackupSecretInput | undefined> {
  const plan = desired.addons.talosBackup;
  if (!plan.enabled) return undefined;
  const credentials = options.backupCredentials;
  if (!credentials) {
    throw new UsageError("backup: true needs HETZNER_S3_ACCESS_KEY and HETZNER_S3_SECRET_KEY in the environment");
  }
  const { client, endpoint } = deps.objectStorage(credentials, { region: plan.region, endpoint: plan.endpoint });
  await guard("Backup bucket", existing, () =>
    runTask(progress.task("Backup bucket"), async () => {
      const r = await ensureBackupBucket(client, {
        clusterName: desired.cluster.name,
        bucket: plan.bucket,
        region: plan.region,
        prefix: plan.prefix,
        retentionDays: plan.retentionDays,
      });
      const what = r.created
        ? `created ${r.bucket}`
        : `${r.bucket} exists${r.owner === "unknown" ? " (not created by k8zner)" : ""}`;
      const retention = r.retention === "set" ? `; snapshots now expire after ${plan.retentionDays} days` : "";
      return { result: r, changed: r.created || r.retention === "set", detail: what + retention };
    }));
  return {
    accessKeyId: credentials.accessKeyId,
    secretAccessKey: credentials.secretAccessKey,
    endpoint,
    bucket: plan.bucket,
    region: plan.region,
  };
}

/** The cluster exists and the operator owns it: fix shared infrastructure, update the spec. */
async function updateHandedOver(
  deps: ApplyDeps,
  options: ApplyOptions,
  progress: ProgressSink,
  ctx: RunContext & { live: KubeObject; kube: KubeClient; bundle: SecretsBundle },
): Promise<ApplyResult> {
  const { desired } = ctx;
  const name = desired.cluster.name;
  const desiredSpec = renderDesiredClusterSpec(desired, ctx.callerIp);
  const plan = buildApplyPlan(desired, ctx.observed, {
    ...(ctx.callerIp ? { callerIp: ctx.callerIp } : {}),
    cluster: planClusterSpec(desiredSpec, ctx.live),
  });
  if (!plan.pending) {
    // Rotated Object Storage keys change no spec field: the Secret is brought up to date on its own (one GET).
    // The config asks for the bucket: it is ensured even when the spec is unchanged (one HEAD when it exists).
    const backup = await ensureBucketStep(deps, options, progress, desired, []);
    if (backup) {
      await guard("Backup credentials", [], () => refreshBackupSecret(ctx.kube, name, backup, progress));
    }
    progress.note(`Cluster "${name}" is up to date: nothing to change.`);
    if (options.wait) await followReady(deps, ctx.kube, name, progress);
    return { cluster: name, outcome: "unchanged", plan };
  }
  options.showPlan?.(renderApplyPlan(plan, name));
  if (!options.yes) {
    if (!options.confirm) {
      throw new UsageError(`Cannot change cluster "${name}" without confirmation: no terminal to ask on`, {
        hint: "Review the plan (k8zner plan) and run again with --yes",
      });
    }
    if (!(await options.confirm(`Apply these changes to cluster "${name}"?`))) {
      progress.note("Nothing changed.");
      return { cluster: name, outcome: "declined", plan };
    }
  }
  const existing: string[] = [];
  const backup = await ensureBucketStep(deps, options, progress, desired, existing);
  await guard("Infrastructure", existing, async () => {
    if (plan.infrastructure.length === 0) return;
    await ensureInfrastructure(deps.cluster, desired, ctx.observed, progress, optionalCallerIp(ctx.callerIp));
  });
  // The operator installation follows this CLI (image, RBAC, the split credentials Secrets of clusters applied
  // before the split) before the spec may name those Secrets; unchanged objects cost one GET each.
  const talosconfig = await readTextIfExists(join(options.secretsDir, CREDENTIAL_FILES.talosconfig));
  if (talosconfig === undefined) {
    progress.note(`note: no talosconfig in ${options.secretsDir}; the operator installation is left as it is`);
  } else {
    await guard("Operator", existing, () =>
      installOperatorStep(deps, options, progress, {
        kube: ctx.kube,
        name,
        controlPlaneCount: desired.kubernetes.controlPlaneCount,
        bundle: ctx.bundle,
        talosconfig,
        backup,
      }));
  }
  await guard("Cluster spec", existing, () =>
    runTask(progress.task("Cluster spec"), async () => {
      const spec = keepUnmanagedFields(desiredSpec, ctx.live);
      const r = await ensureK8znerCluster(ctx.kube, { name, spec });
      return {
        result: r,
        changed: r.action !== "unchanged",
        detail: r.action === "unchanged"
          ? "as configured"
          : `updated ${r.changes.length} field(s); the operator does the rest` +
            (plan.cluster.upgrade ? ` (${describeVersionChange(plan.cluster.upgrade)})` : ""),
      };
    }));
  if (options.wait) await followReady(deps, ctx.kube, name, progress);
  return { cluster: name, outcome: "updated", plan };
}

/** The bootstrap pipeline: first run, or a resume after a crash. */
async function bootstrap(
  deps: ApplyDeps,
  options: ApplyOptions,
  progress: ProgressSink,
  ctx: RunContext & { bundle: SecretsBundle },
): Promise<ApplyResult> {
  const { desired, observed } = ctx;
  const name = desired.cluster.name;
  // Every same-named foreign object is reported before the first mutating request of any step.
  assertNoConflicts(observed);
  const existing: string[] = describeExisting(observed);
  const backup = await ensureBucketStep(deps, options, progress, desired, existing);
  // The operator may trust the infrastructure from here on (its check starts now at the latest).
  const infraEnsuredAt = deps.now();
  const { infra, server, image } = await provisionCloud(deps, progress, {
    desired,
    observed,
    callerIp: ctx.callerIp,
    existing,
  });
  const publicLb = desired.loadBalancer.access === "public";
  const lbIp = publicLb ? infra.loadBalancer.public_net.ipv4.ip : null;
  const serverIp = publicIpv4(server);
  if (publicLb && !lbIp) {
    throw new ApplyFailedError("API load balancer", unique(existing), new Error("it has no public IPv4"));
  }
  // Private API load balancer (ADR 0003): the endpoint is its private IP; the CLI uses the control plane's.
  const live = liveEndpointsOf({
    loadBalancers: [infra.loadBalancer],
    servers: [...observed.servers.filter((s) => s.id !== server.id), server],
  });
  const apiServer = kubeApiServerUrl(live, desired.loadBalancer.access);
  if (!apiServer) {
    throw new ApplyFailedError("Kubeconfig", unique(existing), new Error("no address reaches the Kubernetes API"));
  }

  const talosconfig = await guard("Credentials", existing, () =>
    ensureTalosconfig({
      dir: options.secretsDir,
      clusterName: name,
      bundle: ctx.bundle,
      endpoints: talosEndpoints(live),
      nodes: talosNodes(live),
      now: deps.now(),
    }));
  const credentials = parseTalosconfig(talosconfig.text, name);
  const talos = deps.talos(credentials);
  const tasks = { configure: progress.task("Machine config"), etcd: progress.task("etcd bootstrap") };
  const common = { intervalMs: deps.intervals.talosMs };
  await guard("Talos bootstrap", existing, () =>
    bootstrapFirstControlPlane({
      endpoint: serverIp,
      configYaml: renderFirstControlPlaneConfig(ctx.bundle, desired, {
        lbPublicIpv4: lbIp,
        controlPlaneIpv4s: [serverIp],
        serverId: server.id,
      }),
      deps: talos,
      tasks,
      ...common,
      timeouts: {
        configureMs: deps.timeouts.talosMs,
        readyMs: deps.timeouts.talosMs,
        etcdMs: deps.timeouts.talosMs,
      },
      skipKubeconfig: true,
      ...(options.recoverFrom ? { recover: { snapshot: options.recoverFrom } } : {}),
    }));
  const kubeconfigTask = progress.task("Kubeconfig");
  const kubeconfig = await guard("Kubeconfig", existing, () =>
    runTask(kubeconfigTask, async () => {
      const client = talos.talosClient(serverIp);
      try {
        const file = await ensureKubeconfig({
          dir: options.secretsDir,
          bundle: ctx.bundle,
          now: deps.now(),
          server: apiServer,
          fetch: () => fetchKubeconfig(client, { deps: talos, task: kubeconfigTask, ...common }),
        });
        return {
          result: file,
          changed: file.outcome !== "unchanged",
          detail: `${file.outcome === "unchanged" ? "kept" : "wrote"} ${file.path} and ${talosconfig.path}`,
        };
      } finally {
        await client.close();
      }
    }));

  const kube = await deps.kube(kubeconfig.text);
  try {
    await guard("Kubernetes API", existing, () =>
      runTask(progress.task("Kubernetes API"), async () => {
        const version = await waitForKubeApi(kube, {
          timeoutMs: deps.timeouts.kubeApiMs,
          intervalMs: deps.intervals.kubeMs,
        });
        return { result: version, changed: true, detail: `${version} answers at ${kube.server}` };
      }));
    await guard("Operator", existing, () =>
      installOperatorStep(deps, options, progress, {
        kube,
        name,
        controlPlaneCount: desired.kubernetes.controlPlaneCount,
        bundle: ctx.bundle,
        talosconfig: talosconfig.text,
        backup,
      }));
    existing.push("the operator");
    await guard("Cluster object", existing, () =>
      runTask(progress.task("Cluster object"), async () => {
        const live = await findK8znerCluster(kube, name);
        const now = deps.now();
        const base = renderDesiredClusterSpec(desired, ctx.callerIp);
        const record = {
          completed: true,
          completedAt: now.toISOString().replace(/\.\d{3}Z$/, "Z"),
          bootstrapNode: server.name,
          bootstrapNodeID: server.id,
          publicIP: serverIp,
        };
        // A restore bootstrapped the restored object's cluster anew: the record says where, and the changed
        // spec (a new generation) marks the status the snapshot brought back as stale, so --wait follows the
        // operator's next report, not the Running of the day of the backup.
        const spec: K8znerClusterSpec = !live
          ? { ...base, bootstrap: record }
          : options.recoverFrom
          ? { ...keepUnmanagedFields(base, live), bootstrap: record }
          : keepUnmanagedFields(base, live);
        const r = await ensureK8znerCluster(kube, {
          name,
          spec,
          annotations: {
            ...infrastructureRecordAnnotation(name, spec, infra, infraEnsuredAt),
            ...talosSnapshotAnnotation(desired, image.imageId),
          },
        });
        return {
          result: r,
          changed: r.action !== "unchanged",
          detail: `K8znerCluster ${name} ${r.action}; the operator takes over`,
        };
      }));
    if (options.wait) await followReady(deps, kube, name, progress);
  } finally {
    kube.close();
  }
  return {
    cluster: name,
    outcome: "bootstrapped",
    kubeconfigPath: kubeconfig.path,
    talosconfigPath: talosconfig.path,
    apiEndpoint: kube.server,
  };
}

/**
 * `--wait`: follows the operator's status, one progress line per change, until Ready, or until the operator
 * has settled short of Ready (then a note says what it waits for; that is not an apply failure).
 */
async function followReady(deps: ApplyDeps, kube: KubeClient, name: string, progress: ProgressSink): Promise<void> {
  const task = progress.task("Cluster ready");
  const result = await runTask(task, async () => {
    const r = await followClusterStatus(kube, name, (summary) => task.update(summary.line), {
      timeoutMs: deps.timeouts.waitReadyMs,
      intervalMs: deps.intervals.kubeMs,
      sleep: deps.sleep,
    });
    const detail = r.outcome === "ready" ? "Running and Ready" : `${r.summary.line}; not Ready yet`;
    return { result: r, changed: true, detail };
  });
  if (result.outcome === "settled") {
    progress.note(
      `The operator has done what it can for now; it waits for: ${
        result.summary.waitingFor.join("; ") || "nothing named"
      }`,
    );
  }
}

/** Runs a step; a failure becomes an {@link ApplyFailedError} listing what exists. */
async function guard<T>(step: string, existing: readonly string[], fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ApplyFailedError) throw err;
    throw new ApplyFailedError(step, unique(existing), err);
  }
}

/** Writes Secret `<cluster>-backup-s3` when it differs from the keys apply was given. */
async function refreshBackupSecret(
  kube: KubeClient,
  name: string,
  backup: BackupSecretInput,
  progress: ProgressSink,
): Promise<void> {
  const r = await installOperator(kube, [renderBackupSecret(name, backup)]);
  if (r.applied.length > 0) {
    progress.note(`Updated Secret k8zner-system/${backupSecretName(name)} with the current Object Storage keys`);
  }
}

/** Installs or updates the operator, then drops the pre-split credentials Secret once the split ones exist. */
async function installOperatorStep(
  deps: ApplyDeps,
  options: ApplyOptions,
  progress: ProgressSink,
  input: {
    kube: KubeClient;
    name: string;
    controlPlaneCount: number;
    bundle: SecretsBundle;
    talosconfig: string;
    backup: BackupSecretInput | undefined;
  },
) {
  const operatorTask = progress.task("Operator");
  return await runTask(operatorTask, async () => {
    const manifests = renderHandoverManifests({
      clusterName: input.name,
      controlPlaneCount: input.controlPlaneCount,
      hcloudToken: deps.hcloudToken,
      bundle: input.bundle,
      talosconfig: input.talosconfig,
      ...(options.cloudflareApiToken ? { cloudflareApiToken: options.cloudflareApiToken } : {}),
      ...(input.backup ? { backup: input.backup } : {}),
    });
    const r = await installOperator(input.kube, manifests, { task: operatorTask });
    // Clusters from before the credentials split: drop the combined Secret now that the split ones exist.
    const legacy = await retireLegacyCredentials(input.kube);
    const retired = legacy === "deleted" ? ", removed the old combined credentials Secret" : "";
    return {
      result: r,
      changed: r.applied.length > 0 || legacy === "deleted",
      detail: (r.applied.length > 0
        ? `applied ${r.applied.length} object(s) in k8zner-system`
        : `all ${r.unchanged.length} objects as rendered`) + retired,
    };
  });
}

/** Spec fields the config does not drive are kept as they are on the live object. */
function keepUnmanagedFields(spec: K8znerClusterSpec, live: KubeObject): K8znerClusterSpec {
  const current = (live.spec ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = { ...spec };
  for (const field of ["bootstrap", "paused", "healthCheck"]) {
    if (current[field] !== undefined) out[field] = current[field];
  }
  return out as unknown as K8znerClusterSpec;
}

function optionalCallerIp(callerIp: string | undefined): { callerIp?: string } {
  return callerIp === undefined ? {} : { callerIp };
}

function publicIpv4(server: Server): string {
  const ip = server.public_net.ipv4?.ip;
  if (!ip) throw new TypeError(`Cannot reach server "${server.name}": it has no public IPv4`);
  return ip;
}

function describeObserved(o: ObservedCluster): string {
  const parts: string[] = [];
  const add = (n: number, what: string) => n > 0 && parts.push(`${n} ${what}${n > 1 ? "s" : ""}`);
  add(o.servers.length, "server");
  add(o.networks.length, "network");
  add(o.firewalls.length, "firewall");
  add(o.loadBalancers.length, "load balancer");
  add(o.placementGroups.length, "placement group");
  add(o.conflicts.length, "conflict");
  return parts.length > 0 ? `found ${parts.join(", ")}` : "nothing exists yet";
}

function describeExisting(o: ObservedCluster): string[] {
  return [
    ...o.networks.map((n) => `network ${n.name}`),
    ...o.firewalls.map((f) => `firewall ${f.name}`),
    ...o.loadBalancers.map((l) => `load balancer ${l.name}`),
    ...o.placementGroups.map((p) => `placement group ${p.name}`),
    ...o.servers.map((s) => `server ${s.name}`),
  ];
}

function unique(items: readonly string[]): string[] {
  return [...new Set(items)];
}
