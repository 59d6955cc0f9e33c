import { CommanderError } from "commander";
import { assertEquals, assertIncludes, assertOk } from "../../tests/assert.ts";
import type { CliContext } from "./context.ts";
import { createProgram } from "./program.ts";

async function stderrOf(args: string[]): Promise<string[]> {
  const err: string[] = [];
  const ctx: CliContext = {
    io: { out: () => {}, err: (t) => err.push(t), stdoutIsTty: false, stdinIsTty: false },
    env: () => undefined,
    cwd: "/",
    color: false,
  };
  const thrown = await createProgram(ctx).parseAsync(args, { from: "user" }).then(() => undefined, (e) => e);
  assertOk(thrown instanceof CommanderError, `expected a usage error for ${args.join(" ")}, got ${thrown}`);
  return err.join("\n").split("\n");
}

for (
  const [args, help] of [
    [["nosuchcommand"], "k8zner --help"],
    [["init", "--bogus"], "k8zner init --help"],
    [["init", "--workers"], "k8zner init --help"],
    [["generate", "talos"], "k8zner generate talos --help"],
    [["config", "validate", "--nope"], "k8zner config validate --help"],
  ] as [string[], string][]
) {
  Deno.test(`after a usage error in "${args.join(" ")}" the hint names "${help}"`, async () => {
    const lines = await stderrOf(args);
    assertEquals(lines.length, 2, lines.join("\n"));
    assertOk(lines[0]!.startsWith("error: "), lines[0]);
    assertEquals(lines[1], `hint: see "${help}" for usage`);
  });
}

Deno.test("generate talos says in its help that -o is required, and its error names the option", async () => {
  const out: string[] = [];
  const ctx: CliContext = {
    io: { out: (t) => out.push(t), err: () => {}, stdoutIsTty: false, stdinIsTty: false },
    env: () => undefined,
    cwd: "/",
    color: false,
  };
  await createProgram(ctx).parseAsync(["generate", "talos", "--help"], { from: "user" }).catch(() => {});
  assertIncludes(out.join("\n"), "-o, --output <dir>");
  assertOk(/--output <dir>\s+required: the directory to write into/.test(out.join("\n")), out.join("\n"));
  const lines = await stderrOf(["generate", "talos"]);
  assertEquals(lines[0], "error: required option '-o, --output <dir>' not specified");
});
