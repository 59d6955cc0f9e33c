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

/** The npm specifiers `root` loads through static imports, followed transitively through `deno info --json`. */
async function staticNpmClosure(root: URL): Promise<string[]> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", root.pathname],
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
  return [...loaded].filter((s) => s.startsWith("npm:"));
}

Deno.test("main.ts loads no heavy package at start-up (static import closure from deno info)", async () => {
  const npm = await staticNpmClosure(MAIN);
  assertOk(npm.some((s) => s.includes("commander")), `closure walk found no npm modules at all: ${npm}`);
  const heavy = npm.filter((s) => HEAVY.some((h) => s.includes(h)));
  assertEquals(heavy, [], `imported at start-up: ${heavy.join(", ")}; import them inside the command's action`);
});

// @peculiar/x509 and its CommonJS dependencies were a quarter of an apply's or plan's start-up; every run reads
// certificates, only a first apply or a renewal issues one (src/talos/pki.ts imports it then).
Deno.test("plan, apply, doctor and destroy load @peculiar/x509 only when they issue a certificate", async () => {
  for (const command of ["plan", "apply", "doctor", "destroy"]) {
    const npm = await staticNpmClosure(new URL(`../../src/cli/${command}_run.ts`, import.meta.url));
    assertOk(npm.some((s) => s.includes("yaml")), `${command}: closure walk found no yaml: ${npm}`);
    const x509 = npm.filter((s) => ["@peculiar/x509", "reflect-metadata"].some((h) => s.includes(h)));
    assertEquals(x509, [], `${command}_run.ts imports ${x509.join(", ")} statically`);
  }
});
