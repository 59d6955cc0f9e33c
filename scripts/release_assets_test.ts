/**
 * The pins of the operator image's files against the vendored copies in `../shared/charts` and the
 * versions k8zner installs (`src/config/versions.ts`).
 */
import { assertEquals, assertIncludes, assertMatch, assertOk } from "../tests/assert.ts";
import { requiring, sharedFile } from "../tests/requirements.ts";
import { LAYER_BINARIES } from "../tests/tools/layer_binaries.ts";
import { CHARTS, MANIFESTS } from "../src/config/versions.ts";
import { CHART_ASSETS, expectedUpstreamSha256, HELM_ASSET } from "./release_assets.ts";
import { chartArchive } from "../src/addons/catalog.ts";
import { sha256Hex } from "./fetch_release_assets.ts";

const SOURCES = sharedFile("charts/SOURCES.md");
const withCharts = requiring([SOURCES]);
const chartsDir = () => SOURCES.path.replace(/\/SOURCES\.md$/, "");

Deno.test(
  withCharts("every pinned sha256 is the sha256 of the vendored file, and every vendored file is pinned", async () => {
    const vendored = [...Deno.readDirSync(chartsDir())].map((e) => e.name).filter((n) => n !== "SOURCES.md").sort();
    assertEquals(CHART_ASSETS.map((a) => a.file).sort(), vendored);
    for (const asset of CHART_ASSETS) {
      assertEquals(await sha256Hex(await Deno.readFile(`${chartsDir()}/${asset.file}`)), asset.sha256, asset.file);
    }
  }),
);

Deno.test(withCharts("SOURCES.md lists each pinned file with its sha256", async () => {
  const sources = await Deno.readTextFile(SOURCES.path);
  for (const asset of CHART_ASSETS) {
    const row = sources.split("\n").find((line) => line.startsWith(`| ${asset.file} |`));
    assertOk(row, `SOURCES.md has no row for ${asset.file}`);
    assertIncludes(row, asset.sha256);
  }
  assertIncludes(sources, HELM_ASSET.sha256);
  assertIncludes(sources, `Helm ${HELM_ASSET.version}`);
}));

Deno.test("each asset is a versions.ts pin, fetched over https from an upstream URL naming that version", () => {
  assertEquals(
    CHART_ASSETS.map((a) => a.file),
    [...Object.values(CHARTS).map(chartArchive), ...Object.values(MANIFESTS).map((m) => m.file)],
  );
  for (const pin of Object.values(CHARTS)) {
    const asset = CHART_ASSETS.find((a) => a.file === chartArchive(pin))!;
    assertEquals(asset.sha256, pin.sha256);
    assertEquals(asset.urls.length, 1, asset.file);
    assertMatch(asset.urls[0]!, /^https:\/\//);
    assertOk(asset.urls[0]!.endsWith(`/${chartArchive(pin)}`), `${asset.urls[0]} is not ${chartArchive(pin)}`);
  }
  for (const pin of Object.values(MANIFESTS)) {
    const asset = CHART_ASSETS.find((a) => a.file === pin.file)!;
    assertEquals(asset.sha256, pin.sha256);
    for (const url of asset.urls) {
      assertMatch(url, /^https:\/\//);
      assertIncludes(url, `/${pin.version}/`);
    }
  }
});

Deno.test("an upstream digest differs from the vendored one exactly when the pin says the file differs", () => {
  for (const asset of CHART_ASSETS) {
    assertMatch(asset.sha256, /^[0-9a-f]{64}$/);
    if (asset.upstream === "differs") {
      assertMatch(asset.upstreamSha256 ?? "", /^[0-9a-f]{64}$/, asset.file);
      assertOk(asset.upstreamSha256 !== asset.sha256, asset.file);
    } else {
      assertEquals(asset.upstreamSha256, undefined, asset.file);
    }
    assertEquals(expectedUpstreamSha256(asset), asset.upstreamSha256 ?? asset.sha256);
    assertOk(asset.evidence.length > 0, `${asset.file} says nowhere where its upstream status comes from`);
  }
});

Deno.test("Helm is the linux-amd64 build of the version the tests run, pinned to the same binary digest", () => {
  assertEquals(HELM_ASSET.url, `https://get.helm.sh/helm-${HELM_ASSET.version}-linux-amd64.tar.gz`);
  assertEquals(HELM_ASSET.entry, "linux-amd64/helm");
  assertEquals(HELM_ASSET.sha256, LAYER_BINARIES.helm.sha256);
});
