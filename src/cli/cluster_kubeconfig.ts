/**
 * Which kubeconfig `doctor` and `secrets` read: `KUBECONFIG` when set, else the one `apply` wrote
 * to the cluster's secrets directory (`secrets/<cluster>/kubeconfig` beside the config, or `--secrets-dir`).
 *
 * @module
 */
import { join } from "node:path";
import { CREDENTIAL_FILES } from "../cluster/credentials/credentials.ts";
import type { CliContext } from "./context.ts";

/**
 * The kubeconfig to use: `KUBECONFIG` when set (first existing file of the list), else
 * `<secretsDir>/kubeconfig`; undefined when none exists (the cluster is not created yet).
 */
export async function findKubeconfig(
  ctx: CliContext,
  secretsDir: string,
): Promise<{ path: string; yaml: string } | undefined> {
  const fromEnv = ctx.env("KUBECONFIG")?.split(":").filter((p) => p.trim() !== "") ?? [];
  const candidates = fromEnv.length > 0
    ? fromEnv.map((p) => (p.startsWith("/") ? p : join(ctx.cwd, p)))
    : [join(secretsDir, CREDENTIAL_FILES.kubeconfig)];
  for (const path of candidates) {
    try {
      return { path, yaml: await Deno.readTextFile(path) };
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
  }
  return undefined;
}
