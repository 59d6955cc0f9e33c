/**
 * The `fetch-release-assets` task: puts what the operator image carries besides the binary into
 * `dist/operator-image/` for `Dockerfile.operator`: the pinned chart archives and CRD bundles in
 * `charts/` and Helm as `helm` (see `release_assets.ts`). Every file is checked by SHA-256 before
 * anything is written; one mismatch and the task names each bad file with the expected and actual
 * digest, writes nothing and exits 1. The directory is replaced as a whole, so no archive of an older
 * pin survives into the image.
 *
 * Usage: `deno task fetch-release-assets [--from <dir>] [--helm-from <file>] [--out <dir>]`
 * - default: download from the upstream URLs (the release workflow);
 * - `--from <dir>`: copy the chart files from a local directory (e.g. `../shared/charts`), checked
 *   against the vendored digests;
 * - `--helm-from <file>`: copy a local Helm binary (e.g. the one `deno task fetch-tools` installs)
 *   instead of downloading the tarball; checked against the same digest.
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  CHART_ASSETS,
  type ChartAsset,
  expectedUpstreamSha256,
  HELM_ASSET,
  type HelmAsset,
  OPERATOR_IMAGE_DIR,
} from "./release_assets.ts";
import { gunzip, tarEntry } from "./tar_entry.ts";

/** Chart files are read-only for everyone; the image's files are root-owned and the operator runs as 65532. */
const CHART_MODE = 0o444;
const HELM_MODE = 0o555;

/** A file whose bytes are not the pinned ones. */
export interface Mismatch {
  file: string;
  source: string;
  expected: string;
  actual: string;
}

/** One or more files did not match their pins; nothing was written. */
export class AssetMismatchError extends Error {
  override name = "AssetMismatchError";
  constructor(readonly mismatches: readonly Mismatch[]) {
    super(
      mismatches.map((m) => `Cannot accept ${m.file} from ${m.source}: sha256 ${m.actual}, expected ${m.expected}`)
        .join("\n"),
    );
  }
}

/** Where the files come from, and where they go. */
export interface FetchReleaseAssetsOptions {
  /** Output directory, replaced as a whole (default `dist/operator-image`). */
  outDir: string;
  /** Copy chart files from this directory instead of downloading them. */
  chartsFrom?: string | undefined;
  /** Copy this Helm binary instead of downloading the tarball. */
  helmFrom?: string | undefined;
  fetch: typeof fetch;
  log: (line: string) => void;
  /** The pins; default the real ones. */
  charts?: readonly ChartAsset[];
  helm?: HelmAsset;
}

/** A checked file, ready to write. */
interface Verified {
  path: string;
  bytes: Uint8Array;
  mode: number;
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function download(fetchFn: typeof fetch, url: string): Promise<Uint8Array> {
  const response = await fetchFn(url, { redirect: "follow" });
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`Cannot download ${url}: HTTP ${response.status}`);
  }
  return new Uint8Array(await response.arrayBuffer());
}

async function readLocal(path: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) throw new Error(`Cannot read ${path}: no such file`, { cause: err });
    throw err;
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * Gets and checks every asset, then writes them all into `outDir`. Throws {@link AssetMismatchError}
 * (listing every bad file) before writing anything when one does not match.
 */
export async function fetchReleaseAssets(options: FetchReleaseAssetsOptions): Promise<void> {
  const charts = options.charts ?? CHART_ASSETS;
  const helm = options.helm ?? HELM_ASSET;
  const mismatches: Mismatch[] = [];
  const verified: Verified[] = [];
  const check = async (file: string, source: string, bytes: Uint8Array, expected: string, verifiedFile: Verified) => {
    const actual = await sha256Hex(bytes);
    if (actual !== expected) {
      mismatches.push({ file, source, expected, actual });
      return;
    }
    verified.push(verifiedFile);
    options.log(`verified ${file} (${bytes.length} bytes, sha256 ${actual}) from ${source}`);
  };

  for (const asset of charts) {
    const local = options.chartsFrom;
    const bytes = local !== undefined
      ? await readLocal(`${local}/${asset.file}`)
      : concat(await Promise.all(asset.urls.map((url) => download(options.fetch, url))));
    const source = local !== undefined
      ? `${local}/${asset.file}`
      : asset.urls.length === 1
      ? asset.urls[0]!
      : `${asset.urls.length} concatenated URLs`;
    const expected = local !== undefined ? asset.sha256 : expectedUpstreamSha256(asset);
    await check(asset.file, source, bytes, expected, { path: `charts/${asset.file}`, bytes, mode: CHART_MODE });
  }

  let helmBytes: Uint8Array;
  let helmSource: string;
  if (options.helmFrom !== undefined) {
    helmBytes = await readLocal(options.helmFrom);
    helmSource = options.helmFrom;
  } else {
    const entry = tarEntry(await gunzip(await download(options.fetch, helm.url)), helm.entry);
    if (entry === undefined) throw new Error(`Cannot find ${helm.entry} in ${helm.url}`);
    helmBytes = entry;
    helmSource = `${helm.url} (${helm.entry})`;
  }
  await check(`helm ${helm.version}`, helmSource, helmBytes, helm.sha256, {
    path: "helm",
    bytes: helmBytes,
    mode: HELM_MODE,
  });

  if (mismatches.length > 0) throw new AssetMismatchError(mismatches);
  await replaceDirectory(options.outDir, verified);
  options.log(`wrote ${verified.length} files to ${options.outDir}`);
}

/** Writes the files into `<dir>.partial`, then swaps it in for `dir`. */
async function replaceDirectory(dir: string, files: readonly Verified[]): Promise<void> {
  const staging = `${dir}.partial`;
  await Deno.remove(staging, { recursive: true }).catch((err) => {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  });
  await Deno.mkdir(`${staging}/charts`, { recursive: true });
  for (const file of files) {
    await Deno.writeFile(`${staging}/${file.path}`, file.bytes, { createNew: true });
    await Deno.chmod(`${staging}/${file.path}`, file.mode); // explicit: writeFile's mode is masked by the umask
  }
  await Deno.remove(dir, { recursive: true }).catch((err) => {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  });
  await Deno.rename(staging, dir);
}

/** A bad flag: the task prints the message and exits 2. */
export class FetchUsageError extends Error {
  override name = "FetchUsageError";
}

/** Parses the task's flags. */
export function parseFetchArgs(args: string[]): { outDir: string; chartsFrom?: string; helmFrom?: string } {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        from: { type: "string" },
        "helm-from": { type: "string" },
        out: { type: "string", default: OPERATOR_IMAGE_DIR },
      },
      allowPositionals: false,
      strict: true,
    });
  } catch (err) {
    throw new FetchUsageError(err instanceof Error ? err.message : String(err));
  }
  const { from, out } = parsed.values;
  const helmFrom = parsed.values["helm-from"];
  for (const [flag, value] of [["--from", from], ["--helm-from", helmFrom], ["--out", out]] as const) {
    if (value === "") throw new FetchUsageError(`Cannot use ${flag} "": expected a path`);
  }
  return {
    outDir: out ?? OPERATOR_IMAGE_DIR,
    ...(from !== undefined && { chartsFrom: from.replace(/\/$/, "") }),
    ...(helmFrom !== undefined && { helmFrom }),
  };
}

async function main(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseFetchArgs(args);
  } catch (err) {
    if (!(err instanceof FetchUsageError)) throw err;
    console.error(`error: ${err.message}`);
    return 2;
  }
  try {
    await fetchReleaseAssets({ ...parsed, fetch, log: (line) => console.error(line) });
    return 0;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    console.error(message.split("\n").map((line) => `error: ${line}`).join("\n"));
    return 1;
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
