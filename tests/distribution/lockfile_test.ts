/**
 * Deno resolves packages only from deno.lock: the config sets the lockfile frozen (every deno
 * command that reads deno.json, tests and CI included), and every task says `--frozen` as well, so
 * a task run with another config still refuses a package the lockfile does not pin.
 */
import { assertEquals, assertOk } from "../assert.ts";

const repo = new URL("../../", import.meta.url);
const denoJson = JSON.parse(await Deno.readTextFile(new URL("deno.json", repo))) as {
  lock?: { path?: string; frozen?: boolean };
  tasks: Record<string, string>;
};

Deno.test("deno.json freezes deno.lock", () => {
  assertEquals(denoJson.lock, { path: "./deno.lock", frozen: true });
});

Deno.test("every deno command of every task that resolves modules passes --frozen", () => {
  let commands = 0;
  for (const [name, task] of Object.entries(denoJson.tasks)) {
    for (const command of task.split("&&").map((c) => c.trim())) {
      const sub = command.match(/^deno (\w+)/)?.[1];
      // fmt and lint read no modules' dependencies; everything else loads the module graph.
      if (sub === undefined || sub === "fmt" || sub === "lint") continue;
      commands++;
      assertOk(command.split(/\s+/).includes("--frozen"), `task "${name}": "${command}" lacks --frozen`);
    }
  }
  assertOk(commands >= 8, `only ${commands} deno commands found in the tasks`);
});

Deno.test("the build scripts run deno compile and deno bundle with --frozen", async () => {
  for (const [file, sub] of [["scripts/compile.ts", "compile"], ["scripts/bundle.ts", "bundle"]]) {
    const text = await Deno.readTextFile(new URL(file!, repo));
    assertOk(new RegExp(`"${sub}",\\s*"--frozen",`).test(text), `${file} runs deno ${sub} without --frozen`);
  }
});

Deno.test(".ci/run and the workflows run Deno only through the (frozen) tasks", async () => {
  const ciRun = await Deno.readTextFile(new URL(".ci/run", repo));
  for (const m of ciRun.matchAll(/"\$\{deno\[@\]\}" (\S+)/g)) assertEquals(m[1], "task");
  for (const wf of ["ci.yml", "release.yml"]) {
    const text = await Deno.readTextFile(new URL(`.github/workflows/${wf}`, repo));
    for (const m of text.matchAll(/deno@[\d.]+ (\S+)/g)) assertEquals(m[1], "task", `${wf}: deno ${m[1]}`);
  }
});
