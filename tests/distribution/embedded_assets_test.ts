/**
 * Everything the binary needs at run time must reach it through imports: `deno compile` and
 * `deno bundle` embed the module graph, not files beside it. A module that locates a file
 * relative to itself (`new URL("x", import.meta.url)`, `import.meta.dirname`) works from a
 * checkout and breaks in a release, so production code must not do it. Tests and scripts may.
 */
import { assertEquals } from "../assert.ts";

const src = new URL("../../src/", import.meta.url).pathname;
const FORBIDDEN = /import\.meta\.(url|dirname|filename)\b/;

async function* productionFiles(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}${entry.name}`;
    if (entry.isDirectory) yield* productionFiles(`${path}/`);
    else if (/\.(ts|js|mjs)$/.test(entry.name) && !/_test\.ts$/.test(entry.name)) yield path;
  }
}

Deno.test("production code never locates files relative to its own module (they would not be embedded)", async () => {
  const found: string[] = [];
  for await (const file of productionFiles(src)) {
    const lines = (await Deno.readTextFile(file)).split("\n");
    lines.forEach((line, i) => {
      if (FORBIDDEN.test(line) && !line.trim().startsWith("//") && !line.trim().startsWith("*")) {
        found.push(`${file.slice(src.length - 4)}:${i + 1}: ${line.trim()}`);
      }
    });
  }
  assertEquals(found, [], "import the asset instead (JSON import or a .ts module exporting the text)");
});
