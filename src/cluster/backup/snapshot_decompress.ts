/**
 * The hourly talos-backup CronJob uploads its snapshots zstd-compressed (`ENABLE_COMPRESSION`, a
 * `<cluster>-<RFC 3339 time>.snap.zst` object), while `backup now` and `talosctl etcd snapshot` write them
 * raw. `restore` takes either: a zstd frame is recognised by its magic number, not by the name, so a
 * renamed file works too, and decompressed before the integrity check.
 *
 * @module
 */
import { zstdDecompressSync } from "node:zlib";

/** The little-endian magic number every zstd frame starts with (RFC 8878, section 3.1.1). */
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd] as const;

/** Whether `bytes` starts a zstd frame. */
export function isZstd(bytes: Uint8Array): boolean {
  return ZSTD_MAGIC.every((b, i) => bytes[i] === b);
}

/** The snapshot as etcd reads it: decompressed when it is a zstd frame, else `bytes` unchanged. */
export function decompressSnapshot(bytes: Uint8Array): { bytes: Uint8Array; compressed: boolean } {
  if (!isZstd(bytes)) return { bytes, compressed: false };
  try {
    return { bytes: new Uint8Array(zstdDecompressSync(bytes)), compressed: true };
  } catch (err) {
    throw new SnapshotDecompressError(`it is zstd-compressed but cannot be decompressed (${(err as Error).message})`);
  }
}

/** A compressed snapshot that is damaged (truncated, altered). */
export class SnapshotDecompressError extends Error {
  override name = "SnapshotDecompressError";
}
