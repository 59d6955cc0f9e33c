import type { Command } from "@commander-js/extra-typings";
import { BUILD_INFO } from "../build_info.ts";
import { operatorImage } from "../addons/operator_image.ts";
import type { CliContext } from "./context.ts";

/** The facts `k8zner version` reports. */
export interface VersionFacts {
  version: string;
  commit: string;
  buildDate: string;
  /** The operator image `apply` installs: this version's tag, and its digest in a release build. */
  operatorImage: string;
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
    operatorImage: operatorImage(),
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
    `  operator image: ${f.operatorImage}`,
    `  deno:   ${f.deno} (v8 ${f.v8}, typescript ${f.typescript})`,
  ].join("\n");
}

/** Registers `k8zner version`. */
export function registerVersion(program: Command, ctx: CliContext): void {
  program
    .command("version")
    .description("Print the version, commit, build date, operator image and Deno version")
    .option("--json", "print as JSON")
    .action((opts) => {
      const facts = versionFacts();
      ctx.io.out(opts.json ? JSON.stringify(facts, null, 2) : renderVersion(facts));
    });
}
