/**
 * etcd snapshots in the backup bucket: the key `backup now` writes, where `restore --from` reads from (an
 * `s3://bucket/key` URL or a local file), and the `--list` table. Keys live under the bucket's snapshot
 * prefix (`etcd-backups/`), the same one the talos-backup CronJob writes to and the retention rule covers,
 * so the listing shows both the hourly snapshots and the on-demand ones, newest first.
 *
 * @module
 */
import { UsageError } from "../../lib/errors.ts";
import type { S3Client } from "../../s3/mod.ts";

/** Extension of the snapshots `backup now` uploads (plain etcd snapshots, not compressed). */
export const SNAPSHOT_SUFFIX = ".snapshot";

/** Where a snapshot comes from. */
export type SnapshotSource = { kind: "s3"; bucket: string; key: string } | { kind: "file"; path: string };

/** One snapshot of a listing, with its age at the time of listing. */
export interface SnapshotEntry {
  key: string;
  size: number;
  lastModified: Date;
  ageMs: number;
}

/**
 * `<prefix>/<cluster>-<UTC time>.snapshot`, the time as `2026-12-07T02-52-06Z`: sortable, and without `:`,
 * which some S3 tools and file systems treat specially.
 */
export function renderSnapshotKey(prefix: string, cluster: string, now: Date): string {
  const stamp = now.toISOString().replace(/\.\d{3}Z$/, "Z").replaceAll(":", "-");
  return `${prefix.replace(/\/+$/, "")}/${cluster}-${stamp}${SNAPSHOT_SUFFIX}`;
}

/** Parses `--from`: `s3://<bucket>/<key>` or a path. UsageError (exit 2) for an S3 URL without bucket or key. */
export function parseSnapshotSource(text: string): SnapshotSource {
  const value = text.trim();
  if (value === "") throw new UsageError("--from is empty", { hint: "Give s3://<bucket>/<key> or a local file" });
  if (!/^s3:\/\//i.test(value)) return { kind: "file", path: value };
  const rest = value.slice("s3://".length);
  const slash = rest.indexOf("/");
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const key = slash < 0 ? "" : rest.slice(slash + 1);
  if (bucket === "" || key === "" || key.endsWith("/")) {
    throw new UsageError(`--from "${value}" names no snapshot`, {
      hint: "Use s3://<bucket>/<key>, e.g. from k8zner restore --list",
    });
  }
  return { kind: "s3", bucket, key };
}

/** Every object under `prefix/` in `bucket`, newest first (ties by key, descending). */
export async function listSnapshots(
  s3: Pick<S3Client, "listObjects">,
  bucket: string,
  prefix: string,
  now: Date,
): Promise<SnapshotEntry[]> {
  const objects = await s3.listObjects(bucket, `${prefix.replace(/\/+$/, "")}/`);
  return objects
    .filter((o) => !o.key.endsWith("/"))
    .map((o) => {
      const lastModified = new Date(o.lastModified);
      return { key: o.key, size: o.size, lastModified, ageMs: Math.max(0, now.getTime() - lastModified.getTime()) };
    })
    .sort((a, b) => b.lastModified.getTime() - a.lastModified.getTime() || (a.key < b.key ? 1 : -1));
}

/** The `--list` table: URL (what `--from` takes), size, age. */
export function renderSnapshotList(bucket: string, entries: readonly SnapshotEntry[]): string {
  if (entries.length === 0) return `No snapshots in s3://${bucket}/ yet.`;
  const rows = entries.map((e) => [`s3://${bucket}/${e.key}`, formatSize(e.size), `${formatAge(e.ageMs)} ago`]);
  const header = ["SNAPSHOT", "SIZE", "AGE"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => i === cells.length - 1 ? c : c.padEnd(widths[i]!)).join("  ");
  return [line(header), ...rows.map(line)].join("\n");
}

/** `512 B`, `1.5 KiB`, `20.3 MiB`. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** `45s`, `12m`, `3h 5m`, `2d 4h`. */
export function formatAge(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 === 0 ? `${h}h` : `${h}h ${m % 60}m`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d}d` : `${d}d ${h % 24}h`;
}
