/**
 * `k8zner --help` must answer in under 100 ms (warm cache). Two checks:
 *
 * 1. Static: the modules `main.ts` loads at start-up (static imports, followed transitively through
 *    `deno info --json`) never include the heavy packages; those are imported lazily inside the
 *    commands that need them. This check is exact and does not depend on machine load.
 * 2. Timing: median wall time of `deno run main.ts --help` over several warm runs. Deno's own
 *    start-up is part of that time and varies with the machine (and with other tests running in
 *    parallel on 2 shared cores), so the test measures `deno run empty.ts` the same way and asserts
 *    that our code adds less than 100 ms to it (best of up to 3 rounds, since load only adds time);
 *    it prints both numbers. Measured on the development machine (2 cores): empty ≈ 10-20 ms,
 *    --help ≈ 40 ms with only commander loaded, ≈ 65-80 ms once commands import the config
 *    parser (`yaml` alone costs 35-45 ms to import) at start-up.
 *
 * @module
 */
import { assertEquals, assertOk } from "../assert.ts";

const MAIN = new URL("../../main.ts", import.meta.url);
const RUNS = 7;
const ROUNDS = 3;
const BUDGET_MS = 100;
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

async function medianMs(args: string[]): Promise<number> {
  const run = async () => {
    const start = performance.now();
    const r = await new Deno.Command(Deno.execPath(), { args, stdout: "null", stderr: "null" }).output();
    const ms = performance.now() - start;
    assertEquals(r.code, 0, `deno ${args.join(" ")} failed`);
    return ms;
  };
  await run(); // warm the module cache
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(await run());
  times.sort((a, b) => a - b);
  return times[Math.floor(RUNS / 2)]!;
}

Deno.test("k8zner --help adds less than 100 ms to Deno's own start-up (median of warm runs)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const empty = `${dir}/empty.ts`;
    await Deno.writeTextFile(empty, "export {};\n");
    // Other test files run in parallel on the same cores; contention only ever adds time, so the
    // best of a few rounds is the fair estimate of the uncontended cost.
    const rounds: string[] = [];
    let extra = Infinity;
    for (let round = 0; round < ROUNDS && extra >= BUDGET_MS; round++) {
      const baseline = await medianMs(["run", empty]);
      const help = await medianMs(["run", "-A", MAIN.pathname, "--help"]);
      extra = Math.min(extra, help - baseline);
      rounds.push(`empty.ts ${baseline.toFixed(0)} ms, --help ${help.toFixed(0)} ms`);
    }
    console.log(`help_speed: ${rounds.join("; ")}`);
    assertOk(extra < BUDGET_MS, `--help added ${extra.toFixed(0)} ms to Deno's start-up: ${rounds.join("; ")}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
