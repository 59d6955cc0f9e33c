import { deflateRawSync } from "node:zlib";
import { assertEquals, assertThrows } from "../assert.ts";
import { verifiedSha256, zipEntry } from "./layer_binaries.ts";

/** A minimal zip (local headers, central directory, end record) as `zip` writes it, without CRCs checked here. */
function zipOf(files: { name: string; data: Uint8Array; deflate: boolean }[]): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const f of files) {
    const name = enc.encode(f.name);
    const body = f.deflate ? new Uint8Array(deflateRawSync(f.data)) : f.data;
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(8, f.deflate ? 8 : 0, true);
    lv.setUint32(18, body.length, true);
    lv.setUint32(22, f.data.length, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    const dir = new Uint8Array(46 + name.length);
    const dv = new DataView(dir.buffer);
    dv.setUint32(0, 0x02014b50, true);
    dv.setUint16(10, f.deflate ? 8 : 0, true);
    dv.setUint32(20, body.length, true);
    dv.setUint32(24, f.data.length, true);
    dv.setUint16(28, name.length, true);
    dv.setUint32(42, offset, true);
    dir.set(name, 46);
    parts.push(local, body);
    central.push(dir);
    offset += local.length + body.length;
  }
  const centralSize = central.reduce((n, c) => n + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, files.length, true);
  ev.setUint16(10, files.length, true);
  ev.setUint32(12, centralSize, true);
  ev.setUint32(16, offset, true);
  const all = [...parts, ...central, end];
  const out = new Uint8Array(all.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of all) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

Deno.test("zipEntry reads stored and deflated entries by name and names a missing one", () => {
  const helm = new TextEncoder().encode("#!/bin/sh\necho helm\n".repeat(50));
  const zip = zipOf([
    { name: "helm/", data: new Uint8Array(), deflate: false },
    { name: "helm/helm", data: helm, deflate: true },
    { name: "kubectl/kubectl", data: new TextEncoder().encode("kubectl"), deflate: false },
  ]);
  assertEquals(zipEntry(zip, "helm/helm"), helm);
  assertEquals(new TextDecoder().decode(zipEntry(zip, "kubectl/kubectl")), "kubectl");
  assertThrows(() => zipEntry(zip, "helm/tiller"), Error, "no entry helm/tiller");
  assertThrows(() => zipEntry(new Uint8Array(40), "x"), Error, "not a zip archive");
});

Deno.test("verifiedSha256 hashes a file again whenever it changes, and records a hash only once its ctime is settled", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/tool`;
    const sha = async (text: string) =>
      Array.from(
        new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))),
        (b) => b.toString(16).padStart(2, "0"),
      ).join("");
    const recorded = () => Deno.readTextFile(`${path}.sha256`).then((t) => JSON.parse(t).sha256, () => undefined);
    await Deno.writeTextFile(path, "one");
    assertEquals(await verifiedSha256(path), await sha("one"));
    // Changed just now: another change within the same ctime second could not be told apart.
    assertEquals(await recorded(), undefined);
    await new Promise((r) => setTimeout(r, 2_100));
    assertEquals(await verifiedSha256(path), await sha("one"));
    assertEquals(await recorded(), await sha("one"));
    // Same size, mtime given back: the ctime still moves, so the file is hashed again.
    const { mtime } = await Deno.stat(path);
    await Deno.writeTextFile(path, "two");
    await Deno.utime(path, mtime!, mtime!);
    assertEquals(await verifiedSha256(path), await sha("two"));
    assertEquals(await verifiedSha256(`${dir}/missing`), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
