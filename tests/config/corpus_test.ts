/**
 * The invalid-config corpus: one file per kind of mistake under `invalid/`, each naming the field
 * path and line its problem must report (`# expect: <path> line <n>`). Loaded through the shared
 * CLI loader, so the test sees exactly what every command would: a ConfigError with exit code 2.
 */
import { loadConfig } from "../../src/cli/load_config.ts";
import { ConfigError } from "../../src/config/mod.ts";
import { exitCodeFor, formatError } from "../../src/lib/errors.ts";
import { assertEquals, assertIncludes, assertOk, fail } from "../assert.ts";
import { here, readFixtures } from "./fixtures.ts";

const invalid = readFixtures("invalid");
const noEnv = () => undefined;

Deno.test("the invalid corpus has at least 40 fixtures, each with an expectation header", () => {
  assertOk(invalid.length >= 40, `only ${invalid.length} invalid fixtures`);
  for (const f of invalid) assertOk(f.expectLine !== undefined, `${f.name} lacks "# expect: <path> line <n>"`);
});

for (const f of invalid) {
  Deno.test(`loadConfig() rejects ${f.name} with exit code 2 naming ${f.expectPath || "the file"} on line ${f.expectLine}`, async () => {
    try {
      await loadConfig({ config: f.path, cwd: here, env: noEnv, requireEnv: f.requireEnv });
    } catch (err) {
      assertEquals(exitCodeFor(err), 2);
      assertOk(err instanceof ConfigError, `expected ConfigError, got ${err}`);
      const shown = `invalid/${f.name}`;
      const match = err.problems.find((p) => p.path === f.expectPath && p.line === f.expectLine);
      assertOk(
        match,
        `no problem at ${f.expectPath} line ${f.expectLine}; got:\n${formatError(err, false)}`,
      );
      // The printed form carries file, line, column and path together.
      const printed = formatError(err, false);
      assertIncludes(printed, `${shown}:${f.expectLine}:${match.column}: ${f.expectPath ? f.expectPath + ": " : ""}`);
      return;
    }
    fail(`${f.name} was accepted`);
  });
}

Deno.test("environment-dependent fixtures load when the variables are set, and without requireEnv", async () => {
  const env = (n: string) =>
    ({ CF_API_TOKEN: "t", HETZNER_S3_ACCESS_KEY: "a", HETZNER_S3_SECRET_KEY: "s" } as Record<string, string>)[n];
  for (const f of invalid.filter((f) => f.requireEnv)) {
    await loadConfig({ config: f.path, cwd: here, env, requireEnv: true });
    await loadConfig({ config: f.path, cwd: here, env: noEnv, requireEnv: false });
  }
});

Deno.test("every valid fixture loads", async () => {
  const valid = readFixtures("valid");
  assertOk(valid.length >= 5);
  for (const f of valid) await loadConfig({ config: f.path, cwd: here, env: noEnv });
});
