/**
 * The work of `k8zner kubeconfig`: load the config (no environment checks beyond `HCLOUD_TOKEN`), load
 * the secrets bundle (missing: exit 2, never generated), find the live endpoints by label, rewrite the
 * client configs, and say on stdout what each file holds now.
 *
 * @module
 */
import { type LiveEndpoints, talosNodes } from "../cluster/credentials/client_endpoints.ts";
import { CREDENTIAL_FILES, type FileOutcome, loadClusterSecrets } from "../cluster/credentials/credentials.ts";
import { findLiveEndpoints, repointClientConfigs, type RepointResult } from "../cluster/credentials/repoint.ts";
import { expandSpec } from "../config/mod.ts";
import { UsageError, UserFacingError } from "../lib/errors.ts";
import type { CliContext } from "./context.ts";
import { hcloudClientFromEnv, type HcloudDeps } from "./hcloud_env.ts";
import { loadConfig } from "./load_config.ts";
import { resolveSecretsLocation, shownPath } from "./secrets_location.ts";
import { join } from "node:path";

/** Flags of `k8zner kubeconfig`. */
export interface KubeconfigFlags {
  config?: string;
  /** `--secrets-dir` (default `secrets/<cluster>/` beside the config). */
  secretsDir?: string;
}

/** Injected dependencies (tests replace them). */
export type KubeconfigDeps = HcloudDeps;

/** Runs `k8zner kubeconfig`; returns what was written. */
export async function runKubeconfigCommand(
  ctx: CliContext,
  flags: KubeconfigFlags,
  deps: KubeconfigDeps = {},
): Promise<RepointResult> {
  const loaded = await loadConfig({ config: flags.config, cwd: ctx.cwd, env: ctx.env, requireEnv: false });
  const name = loaded.spec.name;
  const { dir } = resolveSecretsLocation(loaded, ctx.cwd, flags.secretsDir);
  const shown = (path: string) => shownPath(path, ctx.cwd);
  const hc = hcloudClientFromEnv(ctx, deps);
  const now = ctx.now?.() ?? new Date();
  const secrets = await loadClusterSecrets({ dir, now });
  if (!secrets) {
    throw new UsageError(
      `Cannot rewrite the credentials of cluster "${name}": there is no secrets bundle at ` +
        `${shown(join(dir, CREDENTIAL_FILES.secrets))}, and this command never generates one`,
      {
        hint: "Run it with the k8zner.yaml of the first apply, or pass --secrets-dir DIR naming where secrets.yaml is",
      },
    );
  }
  const live = await findLiveEndpoints(hc, name);
  if (live.controlPlanes.length === 0 && !live.apiLoadBalancer) {
    throw new UserFacingError(
      `Cannot find cluster "${name}" in the Hetzner project: no control plane or API load balancer ` +
        `labelled k8zner.io/cluster=${name}; nothing was written`,
      { hint: "Check HCLOUD_TOKEN names the project of the cluster; `k8zner apply` creates it" },
    );
  }
  const result = await repointClientConfigs({
    dir,
    clusterName: name,
    bundle: secrets.bundle,
    live,
    access: expandSpec(loaded.spec).loadBalancer.access,
    now,
    createMissing: true,
  });
  ctx.io.out(renderRepointResult(result, live, shown).join("\n"));
  const missing = [
    result.kubeconfig ? undefined : "the kubeconfig (no API load balancer or control plane with a public IPv4)",
    result.talosconfig ? undefined : "the talosconfig (no control plane with a public IPv4)",
  ].filter((m): m is string => m !== undefined);
  if (missing.length > 0) {
    throw new UserFacingError(`Cannot point ${missing.join(" or ")} at cluster "${name}"`, {
      hint: "Run `k8zner apply` to recreate what is missing, then this command again",
    });
  }
  return result;
}

/** One line per file: where it is, what happened to it, and what it points at now. */
export function renderRepointResult(
  result: RepointResult,
  live: LiveEndpoints,
  shown: (path: string) => string,
): string[] {
  const verb: Record<FileOutcome, string> = { created: "written", updated: "rewritten", unchanged: "already right" };
  const lines: string[] = [];
  if (result.kubeconfig) {
    lines.push(
      `kubeconfig   ${shown(result.kubeconfig.path)}  ${verb[result.kubeconfig.outcome]}: server ${result.server}`,
    );
  }
  if (result.talosconfig) {
    const nodes = talosNodes(live);
    const endpoints = live.controlPlanes.map((s) => s.public_net.ipv4?.ip).filter(Boolean).join(", ");
    lines.push(
      `talosconfig  ${shown(result.talosconfig.path)}  ${verb[result.talosconfig.outcome]}: endpoints ${endpoints}` +
        (nodes.length > 0 ? `; node ${nodes.join(", ")}` : ""),
    );
  }
  return lines;
}
