/**
 * The integrity check etcd runs before it restores a snapshot, done here before anything is touched.
 *
 * An etcd snapshot (the Maintenance/Snapshot API, what `talosctl etcd snapshot` and Talos' EtcdSnapshot
 * stream) is the bolt database, whole 512-byte multiples of pages, followed by the 32-byte SHA-256 of that
 * database. `etcdutl snapshot restore` (and Talos' `bootstrap --recover-from`, which runs the same code)
 * tells the two apart by size: `size % 512 == 32` means "has a hash". Without one it refuses unless the hash
 * check is skipped ("snapshot missing hash but --skip-hash-check=false", e.g. a copy of the data
 * directory's `member/snap/db`); with one that does not match, it refuses ("expected sha256 …, got …").
 *
 * @module
 */
import { createHash } from "node:crypto";

/** Size of the SHA-256 trailer. */
export const SNAPSHOT_HASH_BYTES = 32;
/** etcd decides "has a hash" by the size modulo this (bolt writes whole pages, a multiple of 512 bytes). */
export const SNAPSHOT_PAGE_ALIGNMENT = 512;

/** Why a snapshot fails the check: no trailer (truncated, padded, or not a snapshot) or a trailer that does not match. */
export type SnapshotProblem = "missing-hash" | "hash-mismatch";

/** The outcome of {@linkcode checkSnapshot}. */
export type SnapshotCheck =
  | {
    ok: true;
    /** Size of the whole snapshot in bytes (database and trailer). */
    size: number;
    /** The database's SHA-256 (hex), as the trailer carries it. */
    sha256: string;
  }
  | { ok: false; problem: SnapshotProblem; reason: string };

/**
 * Checks an etcd snapshot's SHA-256 trailer as etcd does before a restore. Pure: reads only `bytes`.
 * A truncated, extended or altered snapshot fails with a reason fit for the user.
 */
export function checkSnapshot(bytes: Uint8Array): SnapshotCheck {
  const size = bytes.length;
  if (size % SNAPSHOT_PAGE_ALIGNMENT !== SNAPSHOT_HASH_BYTES) {
    return {
      ok: false,
      problem: "missing-hash",
      reason: `it is ${size} bytes, which is not whole ${SNAPSHOT_PAGE_ALIGNMENT}-byte pages plus a ` +
        `${SNAPSHOT_HASH_BYTES}-byte SHA-256: it is truncated, has bytes added, or is not an etcd snapshot ` +
        "(a copy of etcd's data directory has no hash)",
    };
  }
  const db = bytes.subarray(0, size - SNAPSHOT_HASH_BYTES);
  const expected = hex(bytes.subarray(size - SNAPSHOT_HASH_BYTES));
  const actual = createHash("sha256").update(db).digest("hex");
  if (expected !== actual) {
    return {
      ok: false,
      problem: "hash-mismatch",
      reason: `its SHA-256 trailer ${expected} does not match its content (${actual}): it was damaged or altered`,
    };
  }
  return { ok: true, size, sha256: actual };
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
