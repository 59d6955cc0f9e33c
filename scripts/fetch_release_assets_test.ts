/**
 * The fetch task against the vendored files in `../shared/charts`: served by an injected fetch as if
 * they were upstream, and copied with `--from` by the real task.
 */
import { assertEquals, assertIncludes, assertOk, assertRejects } from "../tests/assert.ts";
import { binary, requires, requiring, sharedFile } from "../tests/requirements.ts";
import { helmRequirement } from "../tests/kube_fake/helm_binary.ts";
import { CHART_ASSETS, type ChartAsset, HELM_ASSET, type HelmAsset } from "./release_assets.ts";
import { AssetMismatchError, fetchReleaseAssets, sha256Hex } from "./fetch_release_assets.ts";

const repo = new URL("../", import.meta.url).pathname;
const SOURCES = sharedFile("charts/SOURCES.md");
const TAR = binary("tar");
const HELM = await helmRequirement();
const chartsDir = () => SOURCES.path.replace(/\/SOURCES\.md$/, "");

/** A stand-in Helm tarball made by the system's tar: `linux-amd64/helm` plus a neighbour. */
async function helmTarball(binaryBytes: Uint8Array): Promise<{ tarball: Uint8Array; helm: HelmAsset }> {
  const dir = await Deno.makeTempDir({ prefix: "k8zner-helm-tgz-" });
  try {
    await Deno.mkdir(`${dir}/linux-amd64`);
    await Deno.writeFile(`${dir}/linux-amd64/helm`, binaryBytes);
    await Deno.writeTextFile(`${dir}/linux-amd64/LICENSE`, "Apache-2.0");
    const out = await new Deno.Command(TAR.path, { args: ["-czf", `${dir}/h.tgz`, "-C", dir, "linux-amd64"] })
      .output();
    assertEquals(out.code, 0);
    return {
      tarball: await Deno.readFile(`${dir}/h.tgz`),
      helm: { ...HELM_ASSET, sha256: await sha256Hex(binaryBytes) },
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The vendored bytes by upstream URL; a bundle of several URLs is cut at its `---` documents. */
async function upstreamServedFromVendored(): Promise<Map<string, Uint8Array>> {
  const byUrl = new Map<string, Uint8Array>();
  for (const asset of CHART_ASSETS) {
    const bytes = await Deno.readFile(`${chartsDir()}/${asset.file}`);
    if (asset.urls.length === 1) {
      byUrl.set(asset.urls[0]!, bytes);
      continue;
    }
    const text = new TextDecoder().decode(bytes);
    const starts = [...text.matchAll(/^---\n/gm)].map((m) => m.index!);
    assertEquals(starts.length, asset.urls.length, `${asset.file}: one document per URL`);
    asset.urls.forEach((url, i) => byUrl.set(url, new TextEncoder().encode(text.slice(starts[i], starts[i + 1]))));
  }
  return byUrl;
}

/** A fetch that serves `files` and answers 404 to anything else; records the URLs asked for. */
function servingFetch(files: Map<string, Uint8Array>, requested: string[] = []): typeof fetch {
  return (input: string | URL | Request) => {
    const url = input instanceof Request ? input.url : String(input);
    requested.push(url);
    const body = files.get(url);
    return Promise.resolve(
      body ? new Response(body as Uint8Array<ArrayBuffer>) : new Response("not found", { status: 404 }),
    );
  };
}

/** The pins, with upstream taken to serve exactly the vendored files (true for cilium and the Prometheus CRDs). */
const asIfUpstreamWereVendored = (assets: readonly ChartAsset[]): ChartAsset[] =>
  assets.map(({ upstreamSha256: _, ...a }) => ({
    ...a,
    upstream: a.upstream === "differs" ? "identical" : a.upstream,
  }));

const withCharts = requiring([SOURCES, TAR]);

Deno.test(withCharts("downloads every asset, checks it and writes charts/ (0444) and helm (0555)", async () => {
  const out = `${await Deno.makeTempDir({ prefix: "k8zner-assets-" })}/operator-image`;
  const fakeHelm = new TextEncoder().encode("#!/bin/sh\necho helm\n");
  const { tarball, helm } = await helmTarball(fakeHelm);
  const files = await upstreamServedFromVendored();
  files.set(HELM_ASSET.url, tarball);
  const requested: string[] = [];
  const lines: string[] = [];
  await fetchReleaseAssets({
    outDir: out,
    fetch: servingFetch(files, requested),
    log: (l) => lines.push(l),
    charts: asIfUpstreamWereVendored(CHART_ASSETS),
    helm,
  });
  assertEquals(requested.sort(), [...files.keys()].sort(), "each URL once");
  const written = [...Deno.readDirSync(`${out}/charts`)].map((e) => e.name).sort();
  assertEquals(written, CHART_ASSETS.map((a) => a.file).sort());
  for (const asset of CHART_ASSETS) {
    assertEquals(await sha256Hex(await Deno.readFile(`${out}/charts/${asset.file}`)), asset.sha256, asset.file);
    assertEquals(Deno.statSync(`${out}/charts/${asset.file}`).mode! & 0o777, 0o444, asset.file);
  }
  assertEquals(await Deno.readFile(`${out}/helm`), fakeHelm);
  assertEquals(Deno.statSync(`${out}/helm`).mode! & 0o777, 0o555);
  assertEquals(lines.filter((l) => l.startsWith("verified ")).length, CHART_ASSETS.length + 1);
  assertEquals(await Deno.stat(`${out}.partial`).then(() => true, () => false), false, "staging directory left");
  await Deno.remove(out.replace(/\/operator-image$/, ""), { recursive: true });
}));

Deno.test(
  withCharts(
    "refuses the vendored rebuilds where upstream's own digest is known (Hetzner CCM and CSI among them)",
    async () => {
      const out = `${await Deno.makeTempDir({ prefix: "k8zner-assets-" })}/operator-image`;
      const { tarball, helm } = await helmTarball(new TextEncoder().encode("helm"));
      const files = await upstreamServedFromVendored();
      files.set(HELM_ASSET.url, tarball);
      const err = await fetchReleaseAssets({ outDir: out, fetch: servingFetch(files), log: () => {}, helm })
        .then(() => undefined, (e) => e);
      assertOk(err instanceof AssetMismatchError, String(err));
      const differs = CHART_ASSETS.filter((a) => a.upstream === "differs");
      assertEquals(err.mismatches.map((m) => m.file), differs.map((a) => a.file));
      for (const [i, asset] of differs.entries()) {
        assertEquals(err.mismatches[i]!.expected, asset.upstreamSha256);
        assertEquals(err.mismatches[i]!.actual, asset.sha256);
        assertEquals(err.mismatches[i]!.source, asset.urls[0]);
      }
      assertEquals(await Deno.stat(out).then(() => true, () => false), false, "nothing written");
      await Deno.remove(out.replace(/\/operator-image$/, ""), { recursive: true });
    },
  ),
);

Deno.test(
  withCharts("one tampered byte: refused with file, expected and actual digest; the old output stays", async () => {
    const root = await Deno.makeTempDir({ prefix: "k8zner-assets-" });
    const out = `${root}/operator-image`;
    await Deno.mkdir(`${out}/charts`, { recursive: true });
    await Deno.writeTextFile(`${out}/charts/previous.tgz`, "from an earlier run");
    const { tarball, helm } = await helmTarball(new TextEncoder().encode("helm"));
    const files = await upstreamServedFromVendored();
    files.set(HELM_ASSET.url, tarball);
    const cilium = CHART_ASSETS.find((a) => a.file.startsWith("cilium-"))!;
    const tampered = new Uint8Array(files.get(cilium.urls[0]!)!);
    tampered[1000] = tampered[1000]! ^ 0x01;
    files.set(cilium.urls[0]!, tampered);
    const err = await fetchReleaseAssets({
      outDir: out,
      fetch: servingFetch(files),
      log: () => {},
      charts: asIfUpstreamWereVendored(CHART_ASSETS),
      helm,
    }).then(() => undefined, (e) => e);
    assertOk(err instanceof AssetMismatchError, String(err));
    assertEquals(err.mismatches, [{
      file: cilium.file,
      source: cilium.urls[0]!,
      expected: cilium.sha256,
      actual: await sha256Hex(tampered),
    }]);
    assertIncludes(err.message, `Cannot accept ${cilium.file} from ${cilium.urls[0]}: sha256 `);
    assertEquals([...Deno.readDirSync(`${out}/charts`)].map((e) => e.name), ["previous.tgz"]);
    assertEquals([...Deno.readDirSync(root)].map((e) => e.name), ["operator-image"], "no staging directory left");
    await Deno.remove(root, { recursive: true });
  }),
);

Deno.test("a download that is not 200 fails naming the URL and status", async () => {
  const out = `${await Deno.makeTempDir({ prefix: "k8zner-assets-" })}/operator-image`;
  await assertRejects(
    fetchReleaseAssets({ outDir: out, fetch: servingFetch(new Map()), log: () => {} }),
    new RegExp(`Cannot download ${CHART_ASSETS[0]!.urls[0]!.replace(/\./g, "\\.")}: HTTP 404`),
  );
  await Deno.remove(out.replace(/\/operator-image$/, ""), { recursive: true });
});

async function task(args: string[]): Promise<{ code: number; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", "fetch-release-assets", ...args],
    cwd: repo,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test(requires([SOURCES, HELM], {
  name: "deno task fetch-release-assets --from ../shared/charts --helm-from <real helm> fills the image directory",
  fn: async () => {
    const root = await Deno.makeTempDir({ prefix: "k8zner-assets-" });
    try {
      const r = await task(["--from", chartsDir(), "--helm-from", HELM.path, "--out", `${root}/operator-image`]);
      assertEquals(r.code, 0, r.stderr);
      assertIncludes(r.stderr, `wrote ${CHART_ASSETS.length + 1} files to ${root}/operator-image`);
      const helm = await Deno.readFile(`${root}/operator-image/helm`);
      assertEquals(await sha256Hex(helm), HELM_ASSET.sha256);
      const charts = [...Deno.readDirSync(`${root}/operator-image/charts`)].map((e) => e.name).sort();
      assertEquals(charts, CHART_ASSETS.map((a) => a.file).sort());
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
}));

Deno.test(requires([SOURCES], {
  name: "the task exits 1 naming every bad file with both digests and writes nothing; a bad flag exits 2",
  fn: async () => {
    const root = await Deno.makeTempDir({ prefix: "k8zner-assets-" });
    try {
      await Deno.mkdir(`${root}/charts`);
      for (const asset of CHART_ASSETS) {
        await Deno.copyFile(`${chartsDir()}/${asset.file}`, `${root}/charts/${asset.file}`);
      }
      const metrics = CHART_ASSETS.find((a) => a.file.startsWith("metrics-server-"))!;
      const bytes = await Deno.readFile(`${root}/charts/${metrics.file}`);
      bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
      await Deno.writeFile(`${root}/charts/${metrics.file}`, bytes);
      await Deno.writeTextFile(`${root}/helm`, "not helm");
      const r = await task(["--from", `${root}/charts`, "--helm-from", `${root}/helm`, "--out", `${root}/out`]);
      assertEquals(r.code, 1, r.stderr);
      assertIncludes(
        r.stderr,
        `error: Cannot accept ${metrics.file} from ${root}/charts/${metrics.file}: sha256 ${await sha256Hex(
          bytes,
        )}, expected ${metrics.sha256}`,
      );
      assertIncludes(r.stderr, `error: Cannot accept helm ${HELM_ASSET.version} from ${root}/helm: sha256 `);
      assertIncludes(r.stderr, `expected ${HELM_ASSET.sha256}`);
      assertEquals(await Deno.stat(`${root}/out`).then(() => true, () => false), false);

      const usage = await task(["--form", "x"]);
      assertEquals(usage.code, 2, usage.stderr);
      assertIncludes(usage.stderr, "error: Unknown option '--form'");
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
}));
