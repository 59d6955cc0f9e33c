/**
 * `k8zner --help` must answer in under 100 ms (warm cache). This is the half of that promise a
 * unit test can check exactly, whatever the machine's load: the modules `main.ts` loads at
 * start-up (static imports, followed transitively through `deno info --json`) never include the
 * heavy packages; those are imported lazily inside the commands that need them. The timing itself
 * is measured by `deno task bench` (`scripts/bench.ts`): under a loaded parallel test run it
 * failed for load alone.
 *
 * @module
 */
import { assertEquals, assertOk } from "../assert.ts";

const MAIN = new URL("../../main.ts", import.meta.url);
/** Lazily imported only: loading any of these at start-up costs tens to hundreds of milliseconds. */
// yaml costs 15–45 ms to load: commands import it inside their actions, never at start-up.
const HEAVY = ["@kubernetes/client-node", "@clack/prompts", "@grpc/grpc-js", "@peculiar/x509", "ssh2", "ajv", "yaml"];

interface InfoModule {
  specifier: string;
  dependencies?: { code?: { specifier?: string }; isDynamic?: boolean }[];
}

Deno.test("main.ts loads no heavy package at start-up (static import closure from deno info)", async () => {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", MAIN.pathname],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  assertEquals(r.code, 0, new TextDecoder().decode(r.stderr));
  const info = JSON.parse(new TextDecoder().decode(r.stdout)) as { roots: string[]; modules: InfoModule[] };
  const bySpecifier = new Map(info.modules.map((m) => [m.specifier, m]));
  const loaded = new Set<string>();
  const queue = [...info.roots];
  while (queue.length > 0) {
    const spec = queue.pop()!;
    if (loaded.has(spec)) continue;
    loaded.add(spec);
    for (const dep of bySpecifier.get(spec)?.dependencies ?? []) {
      if (!dep.isDynamic && dep.code?.specifier) queue.push(dep.code.specifier);
    }
  }
  const npm = [...loaded].filter((s) => s.startsWith("npm:"));
  assertOk(npm.some((s) => s.includes("commander")), `closure walk found no npm modules at all: ${[...loaded]}`);
  const heavy = npm.filter((s) => HEAVY.some((h) => s.includes(h)));
  assertEquals(heavy, [], `imported at start-up: ${heavy.join(", ")}; import them inside the command's action`);
});
