import { assertEquals } from "../../tests/assert.ts";
import { ensureSecretDir, writeSecretFile } from "./secure_files.ts";

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
