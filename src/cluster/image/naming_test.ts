/**
 * Names, labels and the image write script. The script is run for real by bash against stub
 * `lsblk`/`curl`/`wget`/`dd` in a private PATH (never against a real disk), with the real `xz`.
 */
import { assertEquals, assertIncludes, assertMatch, assertOk, assertThrows } from "../../../tests/assert.ts";
import { isValidLabelKey, isValidLabelValue } from "../../lib/labels.ts";
import { VANILLA_SCHEMATIC_ID } from "../../talos/machine_config.ts";
import { binary, requires } from "../../../tests/requirements.ts";

const XZ = binary("xz", { apt: "xz-utils" });
import {
  renderImageFactoryUrl,
  renderTalosImageNames,
  renderWriteImageCommand,
  SCHEMATIC_LABEL_CHARS,
} from "./naming.ts";

const ID = { talosVersion: "v1.13.9", schematicId: VANILLA_SCHEMATIC_ID, arch: "amd64" as const };

Deno.test("renderTalosImageNames() keeps every label within Hetzner's limits and names the schematic by prefix", () => {
  for (const id of [ID, { ...ID, arch: "arm64" as const }, { ...ID, talosVersion: "v1.14.0-beta.1" }]) {
    const names = renderTalosImageNames(id);
    for (const labels of [names.snapshotLabels, names.buildLabels]) {
      for (const [k, v] of Object.entries(labels)) {
        assertOk(isValidLabelKey(k), `label key ${k}`);
        assertOk(isValidLabelValue(v) && v.length <= 63, `label value ${k}=${v}`);
      }
    }
    assertEquals(
      names.snapshotLabels["k8zner.io/talos-schematic"],
      VANILLA_SCHEMATIC_ID.slice(0, SCHEMATIC_LABEL_CHARS),
    );
    // Server names must be RFC 1123 host names (each label at most 63 characters).
    assertMatch(names.buildServerName, /^[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?$/);
    assertOk(names.buildServerName.split(".").every((part) => part.length <= 63));
  }
  const names = renderTalosImageNames(ID);
  assertEquals(names.snapshotLabels, {
    "k8zner.io/managed-by": "k8zner",
    "k8zner.io/image": "talos",
    "k8zner.io/talos-version": "v1.13.9",
    "k8zner.io/talos-schematic": "376567988ad370138ad8b2698212367b",
    "k8zner.io/arch": "amd64",
  });
  assertEquals(names.buildLabels["k8zner.io/purpose"], "image-build");
  assertEquals(names.buildLabels["k8zner.io/cluster"], undefined);
  assertEquals(names.description, "talos-v1.13.9-amd64-37656798");
  assertEquals(names.buildServerName, "k8zner-image-v1.13.9-amd64-37656798");
  assertEquals(names.sshKeyName, "k8zner-image-v1.13.9-amd64-37656798");
});

Deno.test("renderTalosImageNames() rejects a malformed version, schematic or arch naming the field", () => {
  assertThrows(() => renderTalosImageNames({ ...ID, talosVersion: "1.13.9" }), {
    name: "TypeError",
    message: /talosVersion "1.13.9"/,
  });
  assertThrows(() => renderTalosImageNames({ ...ID, schematicId: "abc" }), {
    name: "TypeError",
    message: /schematicId "abc"/,
  });
  assertThrows(
    () => renderTalosImageNames({ ...ID, schematicId: VANILLA_SCHEMATIC_ID.toUpperCase() }),
    { name: "TypeError", message: /64 lowercase hex/ },
  );
  // deno-lint-ignore no-explicit-any
  assertThrows(() => renderTalosImageNames({ ...ID, arch: "x86" as any }), {
    name: "TypeError",
    message: /arch "x86"/,
  });
});

Deno.test("renderImageFactoryUrl() points at the hcloud disk image of the schematic, version and arch", () => {
  assertEquals(
    renderImageFactoryUrl(ID),
    `https://factory.talos.dev/image/${VANILLA_SCHEMATIC_ID}/v1.13.9/hcloud-amd64.raw.xz`,
  );
  assertEquals(
    renderImageFactoryUrl({ ...ID, arch: "arm64" }, "http://127.0.0.1:8080/"),
    `http://127.0.0.1:8080/image/${VANILLA_SCHEMATIC_ID}/v1.13.9/hcloud-arm64.raw.xz`,
  );
  assertThrows(() => renderImageFactoryUrl(ID, "ftp://x"), { name: "TypeError", message: /imageUrlBase/ });
  assertThrows(() => renderImageFactoryUrl(ID, "https://x/'; rm -rf /"), {
    name: "TypeError",
    message: /imageUrlBase/,
  });
});

/** A bin directory holding only stubs and the few real tools the script may use. */
async function stubBin(dir: string, opts: { curl: boolean; disks: string }): Promise<string> {
  const bin = `${dir}/bin`;
  await Deno.mkdir(bin);
  await Deno.symlink(XZ.path, `${bin}/xz`);
  for (const tool of ["bash", "awk", "cat"]) {
    const path = ["/usr/bin", "/bin"].map((d) => `${d}/${tool}`).find((p) => {
      try {
        return Deno.statSync(p).isFile;
      } catch {
        return false;
      }
    });
    if (!path) throw new Error(`${tool} is missing on this machine`);
    await Deno.symlink(path, `${bin}/${tool}`);
  }
  const stub = (name: string, body: string) =>
    Deno.writeTextFile(`${bin}/${name}`, `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
  await stub("lsblk", `printf '${opts.disks}'`);
  const download = `echo "$*" >> "${dir}/downloads"
if [ -n "\${FAIL_DOWNLOAD:-}" ]; then echo "404 Not Found" >&2; exit 22; fi
cat "${dir}/image.raw.xz"`;
  if (opts.curl) await stub("curl", download);
  await stub("wget", download);
  await stub(
    "dd",
    `for a in "$@"; do case "$a" in of=*) of="\${a#of=}";; esac; done
echo "$*" > "${dir}/dd_args"
cat > "${dir}/disk-\${of##*/}"`,
  );
  await stub("sync", `echo synced > "${dir}/synced"`);
  return bin;
}

async function runScript(bin: string, env: Record<string, string> = {}) {
  const url = renderImageFactoryUrl(ID);
  const out = await new Deno.Command(`${bin}/bash`, {
    args: ["-c", renderWriteImageCommand(url)],
    env: { PATH: bin, ...env },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr), url };
}

async function withImage(fn: (dir: string, raw: Uint8Array) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "k8zner-image-script-" });
  try {
    const raw = new Uint8Array(256 * 1024).map((_, i) => (i * 7) % 13);
    await Deno.writeFile(`${dir}/image.raw`, raw);
    const xz = await new Deno.Command(XZ.path, { args: ["-z", "-k", `${dir}/image.raw`] }).output();
    assertOk(xz.success, "xz -z failed");
    await fn(dir, raw);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test(requires([XZ], {
  name: "the write script streams the image through xz into the first disk lsblk lists, then syncs",
  fn: async () => {
    await withImage(async (dir, raw) => {
      const bin = await stubBin(dir, { curl: true, disks: "loop0 loop\\nsr0 rom\\nsda disk\\nsdb disk\\n" });
      const { code, stderr, url } = await runScript(bin);
      assertEquals(code, 0, stderr);
      assertEquals(await Deno.readFile(`${dir}/disk-sda`), raw);
      assertEquals((await Deno.readTextFile(`${dir}/downloads`)).trim(), `-fsSL ${url}`);
      assertEquals((await Deno.readTextFile(`${dir}/dd_args`)).trim(), "of=/dev/sda bs=4M oflag=direct status=none");
      assertEquals((await Deno.readTextFile(`${dir}/synced`)).trim(), "synced");
      assertIncludes(stderr, "k8zner: image written to /dev/sda");
    });
  },
}));

Deno.test(requires([XZ], {
  name: "the write script falls back to wget when curl is missing",
  fn: async () => {
    await withImage(async (dir, raw) => {
      const bin = await stubBin(dir, { curl: false, disks: "vda disk\\n" });
      const { code, stderr, url } = await runScript(bin);
      assertEquals(code, 0, stderr);
      assertEquals(await Deno.readFile(`${dir}/disk-vda`), raw);
      assertEquals((await Deno.readTextFile(`${dir}/downloads`)).trim(), `-qO- ${url}`);
    });
  },
}));

Deno.test(requires([XZ], {
  name: "the write script fails (pipefail) when the download fails, and never syncs a half-written disk",
  fn: async () => {
    await withImage(async (dir) => {
      const bin = await stubBin(dir, { curl: true, disks: "sda disk\\n" });
      const { code, stderr } = await runScript(bin, { FAIL_DOWNLOAD: "1" });
      assertOk(code !== 0, `exit code ${code}`);
      assertIncludes(stderr, "404 Not Found");
      assertEquals(await Deno.stat(`${dir}/synced`).then(() => true, () => false), false);
    });
  },
}));

Deno.test(requires([XZ], {
  name: "the write script stops with a clear message when lsblk lists no disk",
  fn: async () => {
    await withImage(async (dir) => {
      const bin = await stubBin(dir, { curl: true, disks: "loop0 loop\\nsr0 rom\\n" });
      const { code, stderr } = await runScript(bin);
      assertEquals(code, 3);
      assertIncludes(stderr, "lsblk found no disk");
      assertEquals(await Deno.stat(`${dir}/downloads`).then(() => true, () => false), false);
    });
  },
}));
