import type { Command } from "@commander-js/extra-typings";
import { BUILD_INFO } from "../build_info.ts";
import type { CliContext } from "./context.ts";

/** The facts `k8zner version` reports. */
export interface VersionFacts {
  version: string;
  commit: string;
  buildDate: string;
  deno: string;
  v8: string;
  typescript: string;
}

/** Collects version facts from the build stamp and the running Deno. */
export function versionFacts(): VersionFacts {
  return {
    version: BUILD_INFO.version,
    commit: BUILD_INFO.commit,
    buildDate: BUILD_INFO.date,
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    typescript: Deno.version.typescript,
  };
}

/** Renders version facts as the human-readable block. */
export function renderVersion(f: VersionFacts): string {
  return [
    `k8zner ${f.version}`,
    `  commit: ${f.commit}`,
    `  built:  ${f.buildDate}`,
    `  deno:   ${f.deno} (v8 ${f.v8}, typescript ${f.typescript})`,
  ].join("\n");
}

/** Registers `k8zner version`. */
export function registerVersion(program: Command, ctx: CliContext): void {
  program
    .command("version")
    .description("Print the version, commit, build date and Deno version")
    .option("--json", "print as JSON")
    .action((opts) => {
      const facts = versionFacts();
      ctx.io.out(opts.json ? JSON.stringify(facts, null, 2) : renderVersion(facts));
    });
}
