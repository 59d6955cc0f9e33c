/**
 * Builds the commander program. Each command lives in its own file and registers itself here;
 * a command is registered only when it works.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { BUILD_INFO } from "../build_info.ts";
import type { CliContext } from "./context.ts";
import { registerVersion } from "./version.ts";
import { registerCompletion } from "./completion.ts";
import { registerInit } from "./init.ts";
import { registerGenerate } from "./generate.ts";
import { registerCost } from "./cost.ts";
import { registerConfig } from "./config_cmd.ts";
import { registerApply } from "./apply.ts";
import { registerPlan } from "./plan.ts";
import { registerDestroy } from "./destroy.ts";
import { registerDoctor } from "./doctor.ts";
import { registerSecrets } from "./secrets.ts";
import { addHelpHints } from "./usage_hints.ts";
import { registerKubeconfig } from "./kubeconfig.ts";
import { registerOperator } from "./operator.ts";
import { registerBackup } from "./backup.ts";
import { registerRestore } from "./restore.ts";

/**
 * Help wraps at the terminal's width, but never wider than 80 columns, commander's width when the
 * output is not a terminal: long lines read badly, and the shipping form's fast `--help`
 * (`scripts/fast_entry.ts`) prints the 80-column text captured at build time, so it can answer on
 * every terminal at least this wide.
 */
export const MAX_HELP_WIDTH = 80;

/** The help width for an output: `columns` is the terminal's width, undefined off a terminal. */
export function helpWidth(columns: number | undefined): number {
  return columns === undefined ? MAX_HELP_WIDTH : Math.min(columns, MAX_HELP_WIDTH);
}

function terminalColumns(isTerminal: boolean): number | undefined {
  if (!isTerminal) return undefined;
  try {
    return Deno.consoleSize().columns;
  } catch {
    return undefined; // no console size (e.g. a pseudo-terminal without one)
  }
}

/** Creates the root command with every working subcommand registered. */
export function createProgram(ctx: CliContext) {
  const program = new Command()
    .name("k8zner")
    .description("Production-grade Kubernetes on Hetzner Cloud with Talos Linux, from one small YAML file")
    .version(BUILD_INFO.version, "-V, --version", "print the version number")
    .option("-v, --verbose", "show the cause chain of errors")
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (s) => ctx.io.out(s.replace(/\n$/, "")),
      writeErr: (s) => ctx.io.err(s.replace(/\n$/, "")),
      getOutHelpWidth: () => helpWidth(terminalColumns(ctx.io.stdoutIsTty)),
      getErrHelpWidth: () => helpWidth(terminalColumns(Deno.stderr.isTerminal())),
    })
    .exitOverride();
  registerVersion(program, ctx);
  registerCompletion(program, ctx);
  registerInit(program, ctx);
  registerGenerate(program, ctx);
  registerCost(program, ctx);
  registerConfig(program, ctx);
  registerPlan(program, ctx);
  registerApply(program, ctx);
  registerDestroy(program, ctx);
  registerDoctor(program, ctx);
  registerSecrets(program, ctx);
  registerKubeconfig(program, ctx);
  registerBackup(program, ctx);
  registerRestore(program, ctx);
  registerOperator(program, ctx);
  addHelpHints(program);
  return program;
}
