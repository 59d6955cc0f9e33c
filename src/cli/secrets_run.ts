/**
 * The work of `k8zner secrets`: the credential files of the cluster's secrets directory with their modes,
 * and the Argo CD and Grafana admin credentials read from the cluster. Secrets go to stdout only.
 *
 * @module
 */
import { join } from "node:path";
import {
  addonAccess,
  CREDENTIAL_FILE_PURPOSES,
  type CredentialsReport,
  describeCredentialFile,
  disabledAddonCredentials,
  readAddonCredentials,
  renderCredentialsJson,
  renderCredentialsText,
} from "../bootstrap/credentials_report.ts";
import { expandSpec } from "../config/mod.ts";
import { createKubeClient, type KubeClient } from "../kube/mod.ts";
import { UserFacingError } from "../lib/errors.ts";
import { findKubeconfig } from "./cluster_kubeconfig.ts";
import type { CliContext } from "./context.ts";
import { displayPath, loadConfig } from "./load_config.ts";
import { resolveSecretsLocation } from "./secrets_location.ts";

/** Flags of `k8zner secrets`. */
export interface SecretsFlags {
  config?: string;
  json?: boolean;
  /** `--secrets-dir` (default `secrets/<cluster>/` beside the config). */
  secretsDir?: string;
}

/** Injected dependencies (tests replace them). */
export interface SecretsDeps {
  createKube?: (kubeconfigYaml: string) => Promise<KubeClient>;
  /** Milliseconds to wait for the Kubernetes API (default 10 s). */
  kubeTimeoutMs?: number;
}

/** Runs `k8zner secrets`; returns what it printed. */
export async function runSecrets(
  ctx: CliContext,
  flags: SecretsFlags,
  deps: SecretsDeps = {},
): Promise<CredentialsReport> {
  const loaded = await loadConfig({ config: flags.config, cwd: ctx.cwd, env: ctx.env, requireEnv: false });
  const { spec } = loaded;
  const dir = resolveSecretsLocation(loaded, ctx.cwd, flags.secretsDir).dir;
  const shown = (path: string) => {
    const rel = displayPath(path, ctx.cwd);
    return rel === path ? path : `./${rel}`;
  };
  const files = await Promise.all(CREDENTIAL_FILE_PURPOSES.map(async (f) => {
    const path = join(dir, f.name);
    try {
      const info = await Deno.stat(path);
      return describeCredentialFile(f, shown(path), info.mode, info.isFile);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return describeCredentialFile(f, shown(path), undefined, false);
      throw err;
    }
  }));
  const kubeconfig = await findKubeconfig(ctx, dir);
  if (kubeconfig === undefined && !files.some((f) => f.exists)) {
    throw new UserFacingError(`Cannot show the credentials of cluster "${spec.name}": ${shown(dir)}/ holds none`, {
      hint: "Run `k8zner apply` first (it writes them there, beside the config file), or pass --secrets-dir.",
    });
  }
  const report: CredentialsReport = {
    cluster: spec.name,
    directory: shown(dir),
    files,
    kubeconfig: kubeconfig ? shown(kubeconfig.path) : undefined,
    addons: [],
  };
  const addons = expandSpec(spec).addons;
  const enabled = { argocd: addons.argocd.enabled, grafana: addons.kubePrometheusStack.enabled };
  let failure: unknown;
  if (kubeconfig) {
    let kube: KubeClient | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      kube = await (deps.createKube ?? ((yaml) => createKubeClient({ kubeconfigYaml: yaml })))(kubeconfig.yaml);
      const ms = deps.kubeTimeoutMs ?? 10_000;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer from ${kube!.server} within ${ms / 1000} s`)), ms);
      });
      report.addons = await Promise.race([readAddonCredentials(kube, enabled), timeout]);
    } catch (err) {
      failure = err;
      const message = err instanceof Error ? err.message : String(err);
      report.addons = (["argocd", "grafana"] as const).map((addon) =>
        enabled[addon]
          ? {
            addon,
            secret: addon === "argocd"
              ? "argocd/argocd-initial-admin-secret"
              : "monitoring/kube-prometheus-stack-grafana",
            status: "unavailable" as const,
            message,
          }
          : disabledAddonCredentials(addon)
      );
    } finally {
      clearTimeout(timer);
      kube?.close();
    }
  }
  const hosts = { argocd: addons.argocd.host, grafana: addons.kubePrometheusStack.grafanaHost };
  report.addons = report.addons.map((a) =>
    a.status === "disabled" ? a : { ...a, access: addonAccess(a.addon, hosts[a.addon]) }
  );
  ctx.io.out(flags.json ? renderCredentialsJson(report) : renderCredentialsText(report));
  if (failure !== undefined) {
    throw new UserFacingError(`Cannot read the addon credentials of cluster "${spec.name}" from the cluster`, {
      hint: "Check that the cluster answers (k8zner doctor); the files above are still valid.",
      cause: failure,
    });
  }
  return report;
}
