/**
 * The fake etcd's database and snapshots, shaped like the real ones where a client can tell:
 *
 * - The database is whole 4 KiB pages (bolt's page size): a header line naming the format and the
 *   content's length, the content, zero fill. The content is opaque here; the local cloud puts its
 *   Kubernetes store in it (`tests/kube_fake/store_dump.ts`), so a snapshot holds the cluster's objects.
 * - A snapshot is the database followed by its 32-byte SHA-256, as etcd's snapshot API streams it.
 * - Recovery follows Talos (`recoverFromSnapshot` in machined's etcd service) and etcd's restore: the
 *   uploaded file is read as a database first ("error verifying snapshot"), then its hash is checked
 *   unless skipped; a hash failure happens after the database was copied into the data directory, so
 *   the directory is no longer empty (a new Bootstrap is refused until the node is reset).
 *
 * @module
 */
import { createHash } from "node:crypto";
import {
  checkSnapshot,
  SNAPSHOT_HASH_BYTES,
  SNAPSHOT_PAGE_ALIGNMENT,
} from "../../src/cluster/backup/snapshot_integrity.ts";

/** bolt's page size: the database is always whole pages. */
const PAGE_BYTES = 4096;
const MAGIC = "k8zner-fake-etcd-db/v1";

/** The database holding `content`: header, content, zero fill to whole pages. */
export function encodeEtcdDb(content: Uint8Array): Uint8Array {
  const header = new TextEncoder().encode(`${MAGIC} ${content.length}\n`);
  const used = header.length + content.length;
  const db = new Uint8Array(Math.ceil(used / PAGE_BYTES) * PAGE_BYTES || PAGE_BYTES);
  db.set(header);
  db.set(content, header.length);
  return db;
}

/** The content of a database (anything after its pages, such as a snapshot's hash, is ignored), or undefined. */
export function decodeEtcdDb(bytes: Uint8Array): Uint8Array | undefined {
  const newline = bytes.subarray(0, 64).indexOf(0x0a);
  if (newline < 0) return undefined;
  const match = new TextDecoder().decode(bytes.subarray(0, newline)).match(/^(\S+) (\d+)$/);
  if (!match || match[1] !== MAGIC) return undefined;
  const start = newline + 1;
  const end = start + Number(match[2]);
  if (end > bytes.length) return undefined;
  return bytes.slice(start, end);
}

/** A snapshot of `db`: the database followed by its SHA-256, as etcd's snapshot API sends it. */
export function sealSnapshot(db: Uint8Array): Uint8Array {
  if (db.length % SNAPSHOT_PAGE_ALIGNMENT !== 0) throw new RangeError("Cannot seal a database of partial pages");
  const out = new Uint8Array(db.length + SNAPSHOT_HASH_BYTES);
  out.set(db);
  out.set(createHash("sha256").update(db).digest(), db.length);
  return out;
}

/** Where Talos keeps an uploaded snapshot until Bootstrap recovers from it. */
export const RECOVERY_SNAPSHOT_PATH = "/var/lib/etcd.snapshot";

/** What starting etcd from an uploaded snapshot gives. */
export type Recovery =
  | { ok: true; content: Uint8Array }
  | {
    ok: false;
    /** What the etcd service reports (Talos: "Failed running service: failed to run pre stage: …"). */
    message: string;
    /** The restore wrote into the data directory before it failed. */
    dataDirWritten: boolean;
  };

/** Starts etcd from `snapshot` (undefined: nothing was uploaded), checking its hash unless `skipHashCheck`. */
export function recoverFromSnapshot(snapshot: Uint8Array | undefined, skipHashCheck: boolean): Recovery {
  if (snapshot === undefined) {
    return {
      ok: false,
      message: `error verifying snapshot: open ${RECOVERY_SNAPSHOT_PATH}: no such file or directory`,
      dataDirWritten: false,
    };
  }
  const content = decodeEtcdDb(snapshot);
  if (content === undefined) {
    return { ok: false, message: "error verifying snapshot: invalid database", dataDirWritten: false };
  }
  if (!skipHashCheck) {
    const check = checkSnapshot(snapshot);
    if (!check.ok) {
      const why = check.problem === "missing-hash"
        ? "snapshot missing hash but --skip-hash-check=false"
        : `snapshot hash check failed: ${check.reason}`;
      return { ok: false, message: `error recovering from the snapshot: ${why}`, dataDirWritten: true };
    }
  }
  return { ok: true, content };
}
