import { assertEquals, assertIncludes } from "../../../tests/assert.ts";
import { checkSnapshot } from "./snapshot_integrity.ts";

/** A snapshot as etcd writes it: a database of whole pages, then the database's SHA-256 (WebCrypto here). */
async function snapshotOf(db: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", db));
  const out = new Uint8Array(db.length + hash.length);
  out.set(db);
  out.set(hash, db.length);
  return out;
}

function database(pages: number): Uint8Array<ArrayBuffer> {
  const db = new Uint8Array(pages * 4096);
  for (let i = 0; i < db.length; i++) db[i] = (i * 7 + 3) & 0xff;
  return db;
}

Deno.test("checkSnapshot() accepts a database of whole pages followed by its SHA-256", async () => {
  const snapshot = await snapshotOf(database(3));
  const check = checkSnapshot(snapshot);
  assertEquals(check.ok, true);
  if (!check.ok) return;
  assertEquals(check.size, 3 * 4096 + 32);
  const expected = Array.from(snapshot.subarray(3 * 4096), (b) => b.toString(16).padStart(2, "0")).join("");
  assertEquals(check.sha256, expected);
});

Deno.test("checkSnapshot() refuses a truncated or extended snapshot as one without a hash, as etcd does", async () => {
  const snapshot = await snapshotOf(database(2));
  for (const bytes of [snapshot.subarray(0, snapshot.length - 1), snapshot.subarray(0, 4096), new Uint8Array(0)]) {
    const check = checkSnapshot(bytes);
    assertEquals(check.ok, false);
    if (check.ok) continue;
    assertEquals(check.problem, "missing-hash");
    assertIncludes(check.reason, `it is ${bytes.length} bytes`);
    assertIncludes(check.reason, "truncated");
  }
  const extended = new Uint8Array(snapshot.length + 1);
  extended.set(snapshot);
  const check = checkSnapshot(extended);
  assertEquals(check.ok ? "ok" : check.problem, "missing-hash");
});

Deno.test("checkSnapshot() refuses a snapshot whose content or trailer was altered", async () => {
  const snapshot = await snapshotOf(database(2));
  for (const at of [0, 5000, snapshot.length - 1]) {
    const altered = snapshot.slice();
    altered[at] = altered[at]! ^ 0x01;
    const check = checkSnapshot(altered);
    assertEquals(check.ok, false, `byte ${at} flipped`);
    if (check.ok) continue;
    assertEquals(check.problem, "hash-mismatch");
    assertIncludes(check.reason, "does not match its content");
  }
});
