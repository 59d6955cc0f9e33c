import { assertEquals, assertRejects, assertThrows } from "../tests/assert.ts";
import { binary, requires } from "../tests/requirements.ts";
import { gunzip, tarEntry } from "./tar_entry.ts";

const TAR = binary("tar");

/** Builds a .tar.gz with the system's tar from `files` (relative path -> content). */
async function tarGz(files: Record<string, string>): Promise<Uint8Array> {
  const dir = await Deno.makeTempDir({ prefix: "k8zner-tar-test-" });
  try {
    for (const [path, content] of Object.entries(files)) {
      await Deno.mkdir(`${dir}/${path}`.replace(/\/[^/]+$/, ""), { recursive: true });
      await Deno.writeTextFile(`${dir}/${path}`, content);
    }
    const out = await new Deno.Command(TAR.path, {
      args: ["-czf", `${dir}.tar.gz`, "-C", dir, ...Object.keys(files)],
    }).output();
    assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
    return await Deno.readFile(`${dir}.tar.gz`);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(`${dir}.tar.gz`).catch(() => {});
  }
}

const LONG = `${"d".repeat(120)}/file`;

Deno.test(requires([TAR], {
  name: "tarEntry() finds a file of a real tar.gz by path, long names included, and nothing else",
  fn: async () => {
    const tar = await gunzip(
      await tarGz({ "linux-amd64/LICENSE": "license", "linux-amd64/helm": "the binary", [LONG]: "deep" }),
    );
    const decode = (b: Uint8Array | undefined) => b && new TextDecoder().decode(b);
    assertEquals(decode(tarEntry(tar, "linux-amd64/helm")), "the binary");
    assertEquals(decode(tarEntry(tar, LONG)), "deep");
    assertEquals(tarEntry(tar, "linux-amd64"), undefined, "a directory is not a file");
    assertEquals(tarEntry(tar, "helm"), undefined);
  },
}));

Deno.test(requires([TAR], {
  name: "tarEntry() throws on an archive cut inside an entry, gunzip() on bytes that are not gzip",
  fn: async () => {
    const tar = await gunzip(await tarGz({ "linux-amd64/helm": "x".repeat(2000) }));
    assertThrows(() => tarEntry(tar.subarray(0, 1024), "linux-amd64/helm"), RangeError, "archive truncated");
    await assertRejects(gunzip(new TextEncoder().encode("not gzip")));
  },
}));
