/**
 * `backup now`: an etcd snapshot taken on demand through the Talos API (`MachineService.EtcdSnapshot`) from
 * the first control plane whose etcd runs, written to a local file (0600, complete or not at all) or uploaded
 * to the cluster's backup bucket under the same prefix as the hourly talos-backup snapshots, so
 * `restore --list` shows both. The snapshot is checked (etcd's SHA-256 trailer) before it is kept.
 *
 * @module
 */
import { expandSpec, type Spec } from "../config/mod.ts";
import { UsageError, UserFacingError } from "../lib/errors.ts";
import type { ProgressSink } from "../lib/progress.ts";
import { concatBytes } from "../lib/bytes.ts";
import { loadClusterSecrets } from "../cluster/credentials/credentials.ts";
import { discoverCluster } from "../cluster/infra/discover.ts";
import { runTask } from "../cluster/infra/ensure_common.ts";
import { checkSnapshot } from "../cluster/backup/snapshot_integrity.ts";
import { formatSize, renderSnapshotKey } from "../cluster/backup/snapshots.ts";
import type { ApplyDeps, ObjectStorageCredentials } from "./apply_deps.ts";
import { describeProbes, probeControlPlanes, withEtcdControlPlane } from "./control_plane_probe.ts";

/** Options of {@link runBackupNow}. */
export interface BackupNowOptions {
  spec: Spec;
  secretsDir: string;
  /** A local file to write; without it the snapshot goes to the bucket (`backup: true` needed). */
  output?: string;
  backupCredentials?: ObjectStorageCredentials;
}

/** Where the snapshot went. */
export interface BackupNowResult {
  /** The local path, or `s3://<bucket>/<key>`. */
  location: string;
  bytes: number;
  /** The control plane it was taken from. */
  node: string;
}

/** Takes the snapshot. UsageError (exit 2) before any request when there is nowhere to put it. */
export async function runBackupNow(
  deps: Pick<ApplyDeps, "hc" | "talos" | "objectStorage" | "now">,
  options: BackupNowOptions,
  progress: ProgressSink,
): Promise<BackupNowResult> {
  const desired = expandSpec(options.spec);
  const name = desired.cluster.name;
  const plan = desired.addons.talosBackup;
  if (options.output === undefined && !plan.enabled) {
    throw new UsageError(`Cannot back up cluster "${name}" to a bucket: backup is not enabled in the config`, {
      hint: "Give --output <file>, or set backup: true (and the HETZNER_S3_* keys) and run k8zner apply first",
    });
  }
  if (options.output === undefined && !options.backupCredentials) {
    throw new UsageError("backup now to the bucket needs HETZNER_S3_ACCESS_KEY and HETZNER_S3_SECRET_KEY");
  }
  const secrets = await loadClusterSecrets({ dir: options.secretsDir, now: deps.now() });
  if (!secrets) {
    throw new UsageError(`Cannot reach cluster "${name}": no secrets bundle in ${options.secretsDir}`, {
      hint: "Run k8zner from the directory of the cluster's k8zner.yaml, or give --secrets-dir",
    });
  }
  const { talos, probes } = await runTask(progress.task("Control planes"), async () => {
    const observed = await discoverCluster(deps.hc, name, { desired });
    const found = await probeControlPlanes(deps, {
      bundle: secrets.bundle,
      clusterName: name,
      now: deps.now(),
      observed,
    });
    const running = found.probes.filter((p) => p.answers === "etcd").length;
    return { result: found, changed: true, detail: `${running} of ${found.probes.length} with etcd running` };
  });
  const bytes = await runTask(progress.task("etcd snapshot"), async () => {
    const taken = await withEtcdControlPlane(talos, probes, async (client, probe) => {
      const chunks: Uint8Array[] = [];
      await client.etcdSnapshot({ write: (chunk) => void chunks.push(chunk) }, { timeoutMs: 600_000 });
      return { node: probe.server.name, data: concatBytes(chunks) };
    });
    if (!taken) {
      throw new UserFacingError(`Cannot take a snapshot of cluster "${name}": no control plane runs etcd`, {
        hint: probes.length === 0 ? "The cluster has no control-plane servers" : describeProbes(probes),
      });
    }
    const check = checkSnapshot(taken.data);
    if (!check.ok) {
      throw new UserFacingError(`The snapshot from ${taken.node} is damaged: ${check.reason}`, {
        hint: "Run k8zner backup now again",
      });
    }
    return { result: taken, changed: true, detail: `${formatSize(taken.data.length)} from ${taken.node}` };
  });
  return await runTask(progress.task("Store"), async () => {
    let location: string;
    if (options.output !== undefined) {
      await writePrivateFile(options.output, bytes.data);
      location = options.output;
    } else {
      const { client } = deps.objectStorage(options.backupCredentials!, {
        region: plan.region,
        endpoint: plan.endpoint,
      });
      const key = renderSnapshotKey(plan.prefix, name, deps.now());
      await client.putObject(plan.bucket, key, bytes.data, "application/octet-stream");
      location = `s3://${plan.bucket}/${key}`;
    }
    const result = { location, bytes: bytes.data.length, node: bytes.node };
    return { result, changed: true, detail: `wrote ${location}` };
  });
}

/**
 * Writes `path` with mode 0600 through a `.partial` file renamed when complete, so an interrupted write never
 * leaves something that looks like a snapshot (the snapshot holds every Secret of the cluster).
 */
async function writePrivateFile(path: string, data: Uint8Array): Promise<void> {
  const partial = `${path}.partial`;
  try {
    await Deno.writeFile(partial, data, { mode: 0o600 });
    await Deno.chmod(partial, 0o600);
    await Deno.rename(partial, path);
  } catch (err) {
    await Deno.remove(partial).catch(() => {});
    if (err instanceof Deno.errors.NotFound) {
      throw new UsageError(`Cannot write "${path}": its directory does not exist`, { cause: err });
    }
    throw err;
  }
}
