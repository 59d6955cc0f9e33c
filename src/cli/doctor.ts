/**
 * `k8zner doctor [-c k8zner.yaml] [--json] [--watch [seconds]]`: checks the Hetzner project before a
 * cluster exists and the cluster's health once it does. Exit 0 when healthy, 1 when a check fails.
 * This file only declares the command; the work lives in `doctor_run.ts`, imported when it runs.
 *
 * @module
 */
import type { Command } from "@commander-js/extra-typings";
import type { CliContext } from "./context.ts";
import type { DoctorCommandDeps, DoctorFlags } from "./doctor_run.ts";
import { CONFIG_OPTION } from "./load_config.ts";
import { SECRETS_DIR_OPTION } from "./secrets_location.ts";

/** Registers `k8zner doctor`. */
export function registerDoctor(program: Command, ctx: CliContext, deps: DoctorCommandDeps = {}): void {
  program
    .command("doctor")
    .description("Check the Hetzner project before a cluster exists, and the cluster's health once it does")
    .option(CONFIG_OPTION.flags, CONFIG_OPTION.description)
    .option(SECRETS_DIR_OPTION.flags, SECRETS_DIR_OPTION.description)
    .option("--json", "print the report as JSON (one line per round with --watch)")
    .option("-w, --watch [seconds]", "check again every N seconds (default 5) until Ctrl-C")
    .addHelpText(
      "after",
      "\nThe kubeconfig is secrets/<cluster>/kubeconfig beside the config file (or in --secrets-dir),\n" +
        "or the file KUBECONFIG names when it is set.\n" +
        "HCLOUD_TOKEN is needed for the Hetzner checks; K8ZNER_IP_URL changes where the public IP is looked up;\n" +
        "K8ZNER_DNS_SERVER=<ip>[:<port>] makes the Argo CD/Grafana endpoint checks ask that name server and\n" +
        "connect to the address it gives (DENO_CERT=<ca.pem> trusts a private CA for the certificate check).",
    )
    .action(async (opts) => {
      const { runDoctorCommand } = await import("./doctor_run.ts");
      await runDoctorCommand(ctx, opts as DoctorFlags, deps);
    });
}
