import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { zstdCompressSync } from "node:zlib";
import { checkSnapshot } from "./snapshot_integrity.ts";
import { decompressSnapshot, isZstd, SnapshotDecompressError } from "./snapshot_decompress.ts";

/** A snapshot etcd accepts: two 512-byte pages and their SHA-256. */
function snapshot(): Uint8Array {
  const db = new Uint8Array(1024).map((_, i) => (i * 7) & 0xff);
  const out = new Uint8Array(db.length + 32);
  out.set(db);
  out.set(createHash("sha256").update(db).digest(), db.length);
  return out;
}

Deno.test("a zstd-compressed snapshot (talos-backup's .snap.zst) is decompressed to exactly the snapshot", () => {
  const raw = snapshot();
  const compressed = new Uint8Array(zstdCompressSync(raw));
  assert.ok(isZstd(compressed));
  const out = decompressSnapshot(compressed);
  assert.equal(out.compressed, true);
  assert.deepEqual(out.bytes, raw);
  assert.equal(checkSnapshot(out.bytes).ok, true);
});

Deno.test("a raw snapshot passes through unchanged", () => {
  const raw = snapshot();
  assert.equal(isZstd(raw), false);
  const out = decompressSnapshot(raw);
  assert.equal(out.compressed, false);
  assert.equal(out.bytes, raw);
});

/** Whether a possibly damaged upload would get past decompression and etcd's integrity check. */
function accepted(bytes: Uint8Array): boolean {
  try {
    return checkSnapshot(decompressSnapshot(bytes).bytes).ok;
  } catch (err) {
    if (err instanceof SnapshotDecompressError) return false;
    throw err;
  }
}

Deno.test("a truncated or altered zstd snapshot is refused (by zstd or by the SHA-256 trailer), never restored", () => {
  const compressed = new Uint8Array(zstdCompressSync(snapshot()));
  assert.equal(accepted(compressed), true);
  // Deno's zstd returns what it could decode of a cut frame (Node's throws): the trailer check catches it.
  assert.equal(accepted(compressed.subarray(0, compressed.length - 10)), false);
  const altered = compressed.slice();
  altered[Math.floor(altered.length / 2)]! ^= 0xff;
  assert.equal(accepted(altered), false);
});
