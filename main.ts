/**
 * Composition root: builds the real dependencies, runs the CLI, and is the only place that exits.
 *
 * @module
 */
import { CommanderError } from "commander";
import { createProgram } from "./src/cli/program.ts";
import { type CliContext, shouldUseColor } from "./src/cli/context.ts";
import { ExitCode, exitCodeFor, ExitStatus, formatError } from "./src/lib/errors.ts";

const encoder = new TextEncoder();
const env = (name: string) => Deno.env.get(name);
const stdoutIsTty = Deno.stdout.isTerminal();

const ctx: CliContext = {
  io: {
    out: (text) => Deno.stdout.writeSync(encoder.encode(text + "\n")),
    err: (text) => Deno.stderr.writeSync(encoder.encode(text + "\n")),
    stdoutIsTty,
    stdinIsTty: Deno.stdin.isTerminal(),
  },
  env,
  cwd: Deno.cwd(),
  color: shouldUseColor(stdoutIsTty, env),
};

const program = createProgram(ctx);
const verbose = Deno.args.includes("-v") || Deno.args.includes("--verbose");
let code: number = ExitCode.ok;
try {
  await program.parseAsync(Deno.args, { from: "user" });
} catch (err) {
  if (err instanceof CommanderError) {
    // commander already printed its `error: …` line and the failing command's help hint
    // (usage_hints.ts); help and version are successes.
    code = err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  } else if (err instanceof ExitStatus) {
    code = err.exitCode;
  } else {
    ctx.io.err(formatError(err, verbose));
    code = exitCodeFor(err);
  }
}
Deno.exit(code);
