import { assertEquals } from "../../tests/assert.ts";
import { ensureSecretDir, writeSecretFile, writeSecretStream } from "./secure_files.ts";

Deno.test("writeSecretFile() writes mode 0600 in a new 0700 directory", async () => {
  const root = await Deno.makeTempDir();
  try {
    const path = `${root}/creds/nested/secrets.yaml`;
    await writeSecretFile(path, "token: abc\n");
    assertEquals(await Deno.readTextFile(path), "token: abc\n");
    assertEquals((await Deno.stat(path)).mode! & 0o777, 0o600);
    assertEquals((await Deno.stat(`${root}/creds/nested`)).mode! & 0o777, 0o700);
    assertEquals((await Deno.stat(`${root}/creds`)).mode! & 0o777, 0o700);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("writeSecretFile() replaces a world-readable file with a 0600 one and leaves no temp files", async () => {
  const root = await Deno.makeTempDir();
  try {
    const path = `${root}/talosconfig`;
    await Deno.writeTextFile(path, "old");
    await Deno.chmod(path, 0o644);
    await writeSecretFile(path, new TextEncoder().encode("new"));
    assertEquals(await Deno.readTextFile(path), "new");
    assertEquals((await Deno.stat(path)).mode! & 0o777, 0o600);
    const names = [];
    for await (const entry of Deno.readDir(root)) names.push(entry.name);
    assertEquals(names, ["talosconfig"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("ensureSecretDir() tightens an existing directory only when asked", async () => {
  const root = await Deno.makeTempDir();
  try {
    const dir = `${root}/out`;
    await Deno.mkdir(dir);
    await Deno.chmod(dir, 0o755);
    assertEquals(await ensureSecretDir(dir), false);
    assertEquals((await Deno.stat(dir)).mode! & 0o777, 0o755);
    await ensureSecretDir(dir, { tighten: true });
    assertEquals((await Deno.stat(dir)).mode! & 0o777, 0o700);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

async function* chunksOf(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield new TextEncoder().encode(part);
}

async function* failingAfterOneChunk(): AsyncGenerator<Uint8Array> {
  yield new TextEncoder().encode("first chunk");
  throw new Error("stream reset");
}

async function namesIn(dir: string): Promise<string[]> {
  const names = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names.sort();
}

Deno.test("writeSecretStream() replaces a world-readable partial file left by a killed run with a 0600 file", async () => {
  const root = await Deno.makeTempDir();
  try {
    const path = `${root}/snap.db`;
    await Deno.writeTextFile(`${path}.partial`, "half of an old snapshot");
    await Deno.chmod(`${path}.partial`, 0o644);
    assertEquals(await writeSecretStream(path, chunksOf("etcd", "-data")), { bytes: 9 });
    assertEquals(await Deno.readTextFile(path), "etcd-data");
    assertEquals((await Deno.stat(path)).mode! & 0o777, 0o600);
    assertEquals(await namesIn(root), ["snap.db"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("writeSecretStream() never writes through a symlink planted at the partial path", async () => {
  const root = await Deno.makeTempDir();
  try {
    const path = `${root}/snap.db`;
    await Deno.writeTextFile(`${root}/victim`, "keep me");
    await Deno.chmod(`${root}/victim`, 0o644);
    await Deno.symlink(`${root}/victim`, `${path}.partial`);
    await Deno.symlink(`${root}/nowhere`, `${root}/dangling`);
    await writeSecretStream(path, chunksOf("secret"));
    assertEquals(await Deno.readTextFile(`${root}/victim`), "keep me");
    assertEquals((await Deno.stat(`${root}/victim`)).mode! & 0o777, 0o644);
    assertEquals(await Deno.readTextFile(path), "secret");
    assertEquals((await Deno.lstat(path)).isSymlink, false);
    assertEquals((await Deno.stat(path)).mode! & 0o777, 0o600);
    assertEquals(await namesIn(root), ["dangling", "snap.db", "victim"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("writeSecretStream() leaves neither a partial nor a destination file when the stream fails midway", async () => {
  const root = await Deno.makeTempDir();
  try {
    let message = "";
    await writeSecretStream(`${root}/snap.db`, failingAfterOneChunk()).catch((err) => message = (err as Error).message);
    assertEquals(message, "stream reset");
    assertEquals(await namesIn(root), []);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
