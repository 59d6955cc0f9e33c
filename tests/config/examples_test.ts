/**
 * Every example config of the earlier implementation loads unchanged (environment checks off).
 * They are read from `../shared/reference/example-configs` beside the repository, never copied.
 */
import { fileURLToPath } from "node:url";
import { expandSpec, parseConfig } from "../../src/config/mod.ts";
import { formatProblems } from "../../src/config/problems.ts";
import { assertEquals, assertOk } from "../assert.ts";
import { requires, sharedFile } from "../requirements.ts";

const EXAMPLES = sharedFile("reference/example-configs/full-production.yaml");
const dir = fileURLToPath(new URL("../../../shared/reference/example-configs/", import.meta.url));
const files = EXAMPLES.missing
  ? []
  : [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".yaml")).map((e) => e.name).sort();

Deno.test(requires([EXAMPLES], {
  name: "the earlier implementation's example configs all load unchanged and expand",
  fn() {
    assertOk(files.length >= 5, `expected the five example configs, found ${files.join(", ")}`);
    for (const name of files) {
      const result = parseConfig(Deno.readTextFileSync(dir + name), name, { requireEnv: false });
      assertEquals(result.problems, [], `${name}:\n${formatProblems(name, result.problems)}`);
      const state = expandSpec(result.spec!);
      assertEquals(state.cluster.name, result.spec!.name);
    }
  },
}));

Deno.test(requires([EXAMPLES], {
  name: "with requireEnv the domain and backup examples name the missing variables",
  fn() {
    const text = Deno.readTextFileSync(dir + "full-production.yaml");
    const result = parseConfig(text, "full-production.yaml", { requireEnv: true, env: () => undefined });
    assertEquals(result.problems.map((p) => p.path).sort(), ["backup", "domain"]);
  },
}));
