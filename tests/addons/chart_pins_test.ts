/**
 * The pins in src/config/versions.ts are the archives in `../shared/charts` (provenance in its
 * SOURCES.md): each chart's `<chart>-<version>.tgz` exists, has the pinned SHA-256, and its Chart.yaml
 * names that chart and version; each CRD bundle exists with its SHA-256.
 */
import { parse } from "yaml";
import { type ChartPin, CHARTS, MANIFESTS } from "../../src/config/mod.ts";
import { chartArchive } from "../../src/addons/catalog.ts";
import { assertEquals } from "../assert.ts";
import { requires, sharedFile } from "../requirements.ts";

const archives = Object.values(CHARTS).map((pin: ChartPin) => ({
  pin,
  file: sharedFile(`charts/${chartArchive(pin)}`),
}));
const bundles = Object.values(MANIFESTS).map((pin) => ({ pin, file: sharedFile(`charts/${pin.file}`) }));

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes.slice());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The file `path` inside a gzip tar (ustar headers; Helm writes no long names for Chart.yaml). */
async function tarEntry(tgz: Uint8Array, path: string): Promise<string | undefined> {
  const tar = new Uint8Array(
    await new Response(new Blob([tgz.slice()]).stream().pipeThrough(new DecompressionStream("gzip"))).arrayBuffer(),
  );
  const text = (from: number, length: number) => {
    const field = tar.subarray(from, from + length);
    const end = field.indexOf(0);
    return new TextDecoder().decode(end < 0 ? field : field.subarray(0, end));
  };
  for (let at = 0; at + 512 <= tar.length;) {
    if (tar.subarray(at, at + 512).every((b) => b === 0)) break;
    const prefix = text(at + 345, 155);
    const name = prefix ? `${prefix}/${text(at, 100)}` : text(at, 100);
    const size = parseInt(text(at + 124, 12).trim() || "0", 8);
    if (name === path) return new TextDecoder().decode(tar.subarray(at + 512, at + 512 + size));
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return undefined;
}

Deno.test(requires(archives.map((a) => a.file), {
  name: "every pinned chart is an archive in ../shared/charts with the pinned sha256 and Chart.yaml name/version",
  async fn() {
    for (const { pin, file } of archives) {
      const bytes = await Deno.readFile(file.path);
      assertEquals(await sha256Hex(bytes), pin.sha256, `sha256 of ${chartArchive(pin)}`);
      const chartYaml = await tarEntry(bytes, `${pin.chart}/Chart.yaml`);
      assertEquals(typeof chartYaml, "string", `${chartArchive(pin)} holds ${pin.chart}/Chart.yaml`);
      const chart = parse(chartYaml!) as { name: string; version: string };
      assertEquals({ name: chart.name, version: String(chart.version) }, { name: pin.chart, version: pin.version });
    }
  },
}));

Deno.test(requires(bundles.map((b) => b.file), {
  name: "every pinned CRD bundle is a file in ../shared/charts with the pinned sha256",
  async fn() {
    for (const { pin, file } of bundles) {
      assertEquals(await sha256Hex(await Deno.readFile(file.path)), pin.sha256, `sha256 of ${pin.file}`);
    }
  },
}));
