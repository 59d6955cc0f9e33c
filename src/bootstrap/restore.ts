/**
 * `restore --from <s3://bucket/key | file>`: brings a cluster back from an etcd snapshot when every control
 * plane is gone (Talos' disaster recovery: a fresh first control plane, the snapshot uploaded with
 * `EtcdRecover`, etcd bootstrapped from it with `Bootstrap{recover_etcd}`).
 *
 * Order, so that nothing is created for a restore that cannot work: the snapshot is read and its integrity
 * checked (etcd's SHA-256 trailer); the cluster's secrets bundle must exist (the snapshot's Secrets are
 * encrypted with its keys and its ServiceAccount tokens signed by them, so a new bundle would restore a
 * cluster nothing can read); no control plane of the cluster may answer with etcd running, and the
 * Kubernetes API must not answer (a second etcd beside a live one would split the cluster). Then `apply`'s
 * bootstrap pipeline runs unchanged apart from the recovery: infrastructure, first control plane, credentials,
 * the API, the operator installation (current token and talosconfig), and the `K8znerCluster` the snapshot
 * brought back, which the operator then completes (the other control planes, the workers, the addons).
 *
 * `--force` is the override for a cluster that still answers: every control-plane server of the cluster is
 * deleted first (workers are kept; they rejoin the restored control plane), then the restore runs.
 *
 * @module
 */
import { expandSpec } from "../config/mod.ts";
import { UsageError } from "../lib/errors.ts";
import type { ProgressSink } from "../lib/progress.ts";
import { isS3Error } from "../s3/mod.ts";
import { checkSnapshot } from "../cluster/backup/snapshot_integrity.ts";
import { decompressSnapshot, SnapshotDecompressError } from "../cluster/backup/snapshot_decompress.ts";
import { formatSize, parseSnapshotSource, type SnapshotSource } from "../cluster/backup/snapshots.ts";
import { type ApiAccess, kubeApiServerUrl, liveEndpointsOf } from "../cluster/credentials/client_endpoints.ts";
import { loadClusterSecrets } from "../cluster/credentials/credentials.ts";
import { discoverCluster } from "../cluster/infra/discover.ts";
import { runTask } from "../cluster/infra/ensure_common.ts";
import type { ObservedCluster } from "../cluster/infra/observed.ts";
import { type ApplyOptions, type ApplyResult, runApply } from "./apply.ts";
import type { ApplyDeps } from "./apply_deps.ts";
import { type ControlPlaneProbe, describeProbes, probeControlPlanes } from "./control_plane_probe.ts";
import { findLiveCluster } from "./live_cluster.ts";

/** Options of {@link runRestore}: apply's, plus where the snapshot is and the override. */
export interface RestoreOptions extends Omit<ApplyOptions, "recoverFrom" | "confirm" | "showPlan"> {
  /** `--from`: `s3://<bucket>/<key>` or a local path. */
  from: string;
  /** `--force`: delete the control planes that still answer, then restore. */
  force: boolean;
}

/** Restores the cluster; the result is apply's (`bootstrapped` when the pipeline ran). */
export async function runRestore(
  deps: ApplyDeps,
  options: RestoreOptions,
  progress: ProgressSink,
): Promise<ApplyResult & { snapshotBytes: number }> {
  const desired = expandSpec(options.spec);
  const name = desired.cluster.name;
  const source = parseSnapshotSource(options.from);
  const snapshot = await runTask(progress.task("Snapshot"), async () => {
    const read = await readSnapshot(deps, options, source);
    let unpacked: { bytes: Uint8Array; compressed: boolean };
    try {
      unpacked = decompressSnapshot(read);
    } catch (err) {
      if (!(err instanceof SnapshotDecompressError)) throw err;
      throw new UsageError(`Cannot restore from "${options.from}": ${err.message}`, {
        hint: "Pick another snapshot (k8zner restore --list)",
      });
    }
    const bytes = unpacked.bytes;
    const check = checkSnapshot(bytes);
    if (!check.ok) {
      const compressed = /\.(gz|xz)$/.test(options.from);
      throw new UsageError(`Cannot restore from "${options.from}": ${check.reason}`, {
        hint: compressed
          ? "It looks gzip- or xz-compressed (restore reads raw and zstd snapshots): decompress it and give the file"
          : "Pick another snapshot (k8zner restore --list)",
      });
    }
    const size = unpacked.compressed
      ? `${formatSize(bytes.length)} (zstd, ${formatSize(read.length)} compressed)`
      : formatSize(bytes.length);
    return { result: bytes, changed: true, detail: `${size}, integrity checked` };
  });
  const secrets = await loadClusterSecrets({ dir: options.secretsDir, now: deps.now() });
  if (!secrets) {
    throw new UsageError(`Cannot restore cluster "${name}": no secrets bundle in ${options.secretsDir}`, {
      hint: "The snapshot can only be read with the cluster's own secrets.yaml (its CAs and encryption keys): " +
        "put it back there, or give --secrets-dir",
    });
  }
  const alive = await runTask(progress.task("Live cluster check"), async () => {
    const observed = await discoverCluster(deps.hc, name, { desired });
    const { probes } = await probeControlPlanes(deps, {
      bundle: secrets.bundle,
      clusterName: name,
      now: deps.now(),
      observed,
    });
    const api = await kubeApiAnswers(deps, options.secretsDir, name, observed, desired.loadBalancer.access);
    const answering = probes.filter((p) => p.answers === "etcd");
    const detail = answering.length > 0 || api
      ? `the cluster answers: ${aliveReason({ api, answering })}`
      : probes.length === 0
      ? "no control plane exists"
      : `no control plane answers with etcd running (${describeProbes(probes)})`;
    return { result: { observed, probes, answering, api }, changed: true, detail };
  });
  if (alive.answering.length > 0 || alive.api) {
    if (!options.force) {
      throw new UsageError(`Cannot restore cluster "${name}": it is alive (${aliveReason(alive)})`, {
        hint: "restore is for a cluster whose control planes are all gone; a second etcd beside a live one splits " +
          "it. A restore that stopped after etcd was recovered is finished by k8zner apply. To roll this cluster " +
          "back anyway, run again with --force: it deletes every control-plane server of the cluster first " +
          "(workers stay) and then restores",
      });
    }
    await deleteControlPlanes(deps, progress, alive.probes);
  }
  const result = await runApply(deps, { ...options, recoverFrom: snapshot }, progress);
  return { ...result, snapshotBytes: snapshot.length };
}

async function readSnapshot(deps: ApplyDeps, options: RestoreOptions, source: SnapshotSource): Promise<Uint8Array> {
  if (source.kind === "file") {
    try {
      return await Deno.readFile(source.path);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.IsADirectory) {
        throw new UsageError(`Cannot read the snapshot "${source.path}": no such file`, { cause: err });
      }
      throw err;
    }
  }
  if (!options.backupCredentials) {
    throw new UsageError(`Cannot read ${options.from}: HETZNER_S3_ACCESS_KEY and HETZNER_S3_SECRET_KEY are not set`);
  }
  const plan = expandSpec(options.spec).addons.talosBackup;
  const { client } = deps.objectStorage(options.backupCredentials, { region: plan.region, endpoint: plan.endpoint });
  let bytes: Uint8Array | undefined;
  try {
    bytes = await client.getObjectBytes(source.bucket, source.key);
  } catch (err) {
    if (isS3Error(err, "NoSuchBucket")) {
      throw new UsageError(`Cannot read ${options.from}: bucket "${source.bucket}" does not exist`, { cause: err });
    }
    throw err;
  }
  if (bytes === undefined) {
    throw new UsageError(`Cannot read ${options.from}: no such snapshot`, {
      hint: "List the snapshots with k8zner restore --list",
    });
  }
  return bytes;
}

/** Why the cluster counts as alive, e.g. `the Kubernetes API answers at https://…; r-cp-1 (1.2.3.4): etcd runs`. */
function aliveReason(alive: { api: string | undefined; answering: ControlPlaneProbe[] }): string {
  return [alive.api, alive.answering.length > 0 ? describeProbes(alive.answering) : undefined]
    .filter(Boolean).join("; ");
}

/** A sentence when the cluster's Kubernetes API answers (with the kubeconfig on disk), else undefined. */
async function kubeApiAnswers(
  deps: ApplyDeps,
  secretsDir: string,
  clusterName: string,
  observed: ObservedCluster,
  access: ApiAccess,
): Promise<string | undefined> {
  const apiServer = kubeApiServerUrl(liveEndpointsOf(observed), access);
  const live = await findLiveCluster(deps, { secretsDir, clusterName, apiServer });
  try {
    if (live.object || live.note?.startsWith("the Kubernetes API answers")) {
      return `the Kubernetes API answers at ${live.kube?.server ?? apiServer}`;
    }
    return undefined;
  } finally {
    live.kube?.close();
  }
}

/** `--force`: every control-plane server of the cluster goes (their etcd could not join the restored one). */
async function deleteControlPlanes(
  deps: ApplyDeps,
  progress: ProgressSink,
  probes: readonly ControlPlaneProbe[],
): Promise<void> {
  await runTask(progress.task("Old control planes"), async () => {
    for (const probe of probes) {
      const action = await deps.hc.servers.delete(probe.server.id);
      if (action) await deps.cluster.actions.wait([action]);
    }
    return {
      result: undefined,
      changed: probes.length > 0,
      detail: `deleted ${probes.map((p) => p.server.name).join(", ")} (--force)`,
    };
  });
}
