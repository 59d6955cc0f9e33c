/**
 * `k8zner init`: writes a new k8zner.yaml (mode 0600) from flags, asking the rest interactively.
 * Without a terminal on stdin (or with `--yes`) it never prompts: missing flags are a usage error.
 * This file only declares the command; the work lives in `init_run.ts`, imported when it runs.
 *
 * @module
 */
import { type Command, Option } from "@commander-js/extra-typings";
import { MAX_NAME_LENGTH } from "../config/fields.ts";
import { DEFAULT_CONTROL_PLANE_SIZE, MAX_WORKERS, MIN_WORKERS, MODES, REGIONS, SERVER_SIZES } from "../config/spec.ts";
import type { CliContext } from "./context.ts";
import type { InitDeps, InitFlags } from "./init_run.ts";

/** The real dependencies: @clack/prompts, loaded only when a prompt is needed (keeps `--help` fast). */
export const realInitDeps: InitDeps = {
  createPrompter: async () => (await import("./prompter_clack.ts")).createClackPrompter(),
};

/** Registers `k8zner init`. */
export function registerInit(program: Command, ctx: CliContext, deps: InitDeps = realInitDeps): void {
  // `.choices()` feeds help and shell completion; the identity parser leaves checking to
  // parseInitFlags, which reports every problem at once and accepts retired size names.
  const pick = (flags: string, description: string, values: readonly string[]) =>
    new Option(flags, description).choices(values).argParser((v: string) => v);
  program
    .command("init")
    .description("Create a k8zner.yaml, interactively or from flags")
    .option("-o, --output <path>", "file to write", "k8zner.yaml")
    .option("--force", "overwrite the file if it exists")
    .option("-y, --yes", "do not ask; take defaults for optional answers (required flags must be given)")
    .option("--json", "print the written path and spec as JSON")
    .option("--name <name>", `cluster name (DNS-safe, 1-${MAX_NAME_LENGTH} characters)`)
    .addOption(pick("--region <region>", "Hetzner location", REGIONS))
    .addOption(pick("--mode <mode>", "dev (1 control plane) or ha (3)", MODES))
    .option("--workers <count>", `number of workers (${MIN_WORKERS}-${MAX_WORKERS})`)
    .addOption(pick("--worker-size <size>", "worker server type", SERVER_SIZES))
    .addOption(
      pick(
        "--control-plane-size <size>",
        `control-plane server type (default ${DEFAULT_CONTROL_PLANE_SIZE})`,
        SERVER_SIZES,
      ),
    )
    .option("--domain <domain>", "domain for ingress, DNS and certificates (needs CF_API_TOKEN)")
    .option("--cert-email <email>", "Let's Encrypt contact (default admin@<domain>)")
    .option("--argo-subdomain <label>", "Argo CD host label (default argo)")
    .option("--grafana-subdomain <label>", "Grafana host label (default grafana)")
    .option("--monitoring", "install Prometheus and Grafana")
    .option("--no-monitoring", "do not install monitoring")
    .option("--backup", "back up etcd to Hetzner Object Storage")
    .option("--no-backup", "no etcd backups")
    .option("--allowlist <cidrs>", "comma separated CIDRs allowed to reach the APIs (empty: detect at apply)")
    .action(async (opts) => {
      const { runInit } = await import("./init_run.ts");
      await runInit(opts as InitFlags, ctx, deps);
    });
}
