import { join } from "node:path";
import { assertEquals, assertIncludes, assertOk, assertRejects } from "../../tests/assert.ts";
import { ConfigError } from "../config/mod.ts";
import { exitCodeFor, formatError, UsageError } from "../lib/errors.ts";
import type { CliContext } from "./context.ts";
import { createProgram } from "./program.ts";

function fakeCtx(cwd: string, env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const ctx: CliContext = {
    io: { out: (t) => out.push(t), err: (t) => err.push(t), stdoutIsTty: false, stdinIsTty: false },
    env: (n) => env[n],
    cwd,
    color: false,
  };
  return { ctx, out, err };
}

const valid = "name: demo\nregion: fsn1\nmode: dev\nworkers:\n  count: 2\n  size: cx33\n";

async function run(args: string[], cwd: string, env: Record<string, string> = {}) {
  const f = fakeCtx(cwd, env);
  await createProgram(f.ctx).parseAsync(args, { from: "user" });
  return f;
}

Deno.test("config validate prints 'k8zner.yaml is valid' for a good file found in the working directory", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "k8zner.yaml"), valid);
    const { out } = await run(["config", "validate"], dir);
    assertEquals(out, ["k8zner.yaml is valid"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("config validate finds k8zner.yaml in a parent directory", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "k8zner.yaml"), valid);
    const sub = join(dir, "a", "b");
    await Deno.mkdir(sub, { recursive: true });
    const { out } = await run(["config", "validate"], sub);
    assertEquals(out, [`${join(dir, "k8zner.yaml")} is valid`]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("config validate -c reports every problem with file:line:column and exits 2", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      join(dir, "bad.yaml"),
      "name: Demo\nregion: ash\nmode: dev\nworkers:\n  count: 51\n  size: cx33\n",
    );
    const err = await run(["config", "validate", "-c", "bad.yaml"], dir).then(() => undefined, (e) => e);
    assertOk(err instanceof ConfigError);
    assertEquals(exitCodeFor(err), 2);
    const text = formatError(err, false);
    assertIncludes(text, "bad.yaml:1:7: name: ");
    assertIncludes(text, 'bad.yaml:2:9: region: "ash" is not supported');
    assertIncludes(text, "bad.yaml:5:10: workers.count: is 51; must be from 1 to 50");
    assertEquals(err.problems.length, 3);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("config validate --json prints the problems as data and still exits 2", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "k8zner.yaml"), valid.replace("count: 2", "count: 0"));
    const f = fakeCtx(dir);
    const err = await createProgram(f.ctx).parseAsync(["config", "validate", "--json"], { from: "user" }).then(
      () => undefined,
      (e) => e,
    );
    assertEquals(exitCodeFor(err), 2);
    const data = JSON.parse(f.out.join("\n"));
    assertEquals(data.valid, false);
    assertEquals(data.problems[0].path, "workers.count");
    assertEquals(data.problems[0].line, 5);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("config validate --require-env checks CF_API_TOKEN only when asked", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "k8zner.yaml"), valid + "domain: example.com\n");
    assertEquals((await run(["config", "validate"], dir)).out, ["k8zner.yaml is valid"]);
    await assertRejects(() => run(["config", "validate", "--require-env"], dir), /CF_API_TOKEN/);
    assertEquals((await run(["config", "validate", "--require-env"], dir, { CF_API_TOKEN: "x" })).out, [
      "k8zner.yaml is valid",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("config validate without any k8zner.yaml says so with the init hint and exits 2", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const err = await run(["config", "validate"], dir).then(() => undefined, (e) => e);
    assertOk(err instanceof UsageError);
    assertEquals(exitCodeFor(err), 2);
    assertEquals(
      formatError(err, false),
      "error: config file k8zner.yaml not found\nhint: Run 'k8zner init' to create one",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("config validate -c DIR says the path is a directory, and points at the k8zner.yaml inside", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(join(dir, "empty"));
    await Deno.mkdir(join(dir, "prod"));
    await Deno.writeTextFile(join(dir, "prod", "k8zner.yaml"), valid);
    const empty = await run(["config", "validate", "-c", "empty"], dir).then(() => undefined, (e) => e);
    assertEquals(exitCodeFor(empty), 2);
    assertEquals(
      formatError(empty, false),
      "error: config file empty is a directory, not a YAML file\nhint: pass the path of a k8zner.yaml file to -c/--config",
    );
    const prod = await run(["config", "validate", "-c", "prod"], dir).then(() => undefined, (e) => e);
    assertEquals(
      formatError(prod, false),
      "error: config file prod is a directory, not a YAML file\nhint: pass the file inside it: -c prod/k8zner.yaml",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a config with thousands of problems prints the first 50 and a count; --json lists them all", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const items = Array.from({ length: 3000 }, (_, i) => `  - not-a-cidr-${i}\n`).join("");
    await Deno.writeTextFile(join(dir, "k8zner.yaml"), valid + "api_allowlist:\n" + items);
    const err = await run(["config", "validate"], dir).then(() => undefined, (e) => e);
    assertOk(err instanceof ConfigError);
    assertEquals(err.problems.length, 3000);
    const lines = formatError(err, false).split("\n");
    assertEquals(lines[0], "error: k8zner.yaml has 3000 problems:");
    assertEquals(lines.filter((l) => l.startsWith("k8zner.yaml:")).length, 50);
    assertIncludes(lines[50]!, "k8zner.yaml:57:5: api_allowlist[49]: ");
    assertEquals(lines[51], "… and 2950 more problems ('k8zner config validate --json' lists all)");
    const f = fakeCtx(dir);
    await createProgram(f.ctx).parseAsync(["config", "validate", "--json"], { from: "user" }).catch(() => {});
    assertEquals(JSON.parse(f.out.join("\n")).problems.length, 3000);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("config schema prints a JSON Schema document", async () => {
  const { out } = await run(["config", "schema"], "/");
  const schema = JSON.parse(out.join("\n"));
  assertEquals(schema.$schema, "https://json-schema.org/draft/2020-12/schema");
  assertOk(schema.properties.api_allowlist);
});

Deno.test("config commands do not load the Kubernetes client", async () => {
  for (const file of ["config_cmd.ts", "load_config.ts"]) {
    const source = await Deno.readTextFile(new URL(`./${file}`, import.meta.url));
    assertOk(!source.includes("@kubernetes/client-node"), file);
  }
});
