/**
 * `backup now` and `restore` refuse bad input with exit 2 before any request: no Hetzner API answers at
 * HCLOUD_ENDPOINT here (a closed port), so a request would show as a failure (exit 1), not a usage error.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { zstdCompressSync } from "node:zlib";
import { assertEquals, assertIncludes } from "../assert.ts";
import { runK8zner } from "../e2e/k8zner_process.ts";

const CONFIG = "name: cli\nregion: fsn1\nmode: dev\nworkers:\n  count: 1\n  size: cx33\n";
const ENV = {
  HCLOUD_TOKEN: "x",
  HCLOUD_ENDPOINT: "http://127.0.0.1:9/v1",
  K8ZNER_S3_ENDPOINT: "http://127.0.0.1:9",
  CI: "1",
};

async function inDir(config: string, fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "k8zner-restore-cli-" });
  try {
    await Deno.writeTextFile(`${dir}/k8zner.yaml`, config);
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("restore and backup now refuse bad input with exit 2 before any request", async () => {
  await inDir(CONFIG, async (cwd) => {
    const cases: Array<[string[], string, Record<string, string>?]> = [
      [["restore"], "restore needs --from"],
      [["restore", "--list", "--from", "x.db"], "--list and --from do not go together"],
      [["restore", "--list"], "--list needs HETZNER_S3_ACCESS_KEY"],
      [["restore", "--from", "s3://cli-etcd-backups/"], "names no snapshot"],
      [["restore", "--from", "s3://cli-etcd-backups/etcd-backups/a.snapshot"], "needs HETZNER_S3_ACCESS_KEY"],
      [["restore", "--from", "missing.db"], "no such file"],
      [["restore", "--from", "bad.db"], "not an etcd snapshot"],
      // talos-backup's uploads are zstd: decompressed first, then held to the same check.
      [["restore", "--from", "bad.snap.zst"], "not an etcd snapshot"],
      // A sound .snap.zst passes the check and is stopped only by the next one (no secrets bundle here).
      [["restore", "--from", "good.snap.zst"], "no secrets bundle"],
      [["backup", "now"], "backup is not enabled"],
      [["backup", "now", "-o", "no/such/dir/snap.db"], "no secrets bundle"],
    ];
    await Deno.writeFile(`${cwd}/bad.db`, new Uint8Array(1000));
    await Deno.writeFile(`${cwd}/bad.snap.zst`, zstdCompressSync(new Uint8Array(1000)));
    const db = new Uint8Array(1024).fill(7);
    const snapshot = new Uint8Array([...db, ...createHash("sha256").update(db).digest()]);
    await Deno.writeFile(`${cwd}/good.snap.zst`, zstdCompressSync(snapshot));
    for (const [args, message] of cases) {
      const r = await runK8zner(args, { cwd, env: ENV });
      assertEquals(r.code, 2, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
      assertIncludes(r.stderr, message, args.join(" "));
      assertEquals(r.stdout, "", args.join(" "));
    }
  });
});
