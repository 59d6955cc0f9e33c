/**
 * Which kubeconfig `doctor` and `secrets` read: `KUBECONFIG` when set, else the one `apply` wrote
 * to `./secrets/<cluster>/kubeconfig`.
 *
 * @module
 */
import { join } from "node:path";
import { clusterSecretsDir, CREDENTIAL_FILES } from "../cluster/credentials.ts";
import type { CliContext } from "./context.ts";

/**
 * The kubeconfig to use: `KUBECONFIG` when set (first existing file of the list), else
 * `./secrets/<cluster>/kubeconfig`; undefined when none exists (the cluster is not created yet).
 */
export async function findKubeconfig(
  ctx: CliContext,
  cluster: string,
): Promise<{ path: string; yaml: string } | undefined> {
  const fromEnv = ctx.env("KUBECONFIG")?.split(":").filter((p) => p.trim() !== "") ?? [];
  const candidates = fromEnv.length > 0
    ? fromEnv.map((p) => (p.startsWith("/") ? p : join(ctx.cwd, p)))
    : [join(clusterSecretsDir(ctx.cwd, cluster), CREDENTIAL_FILES.kubeconfig)];
  for (const path of candidates) {
    try {
      return { path, yaml: await Deno.readTextFile(path) };
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
  }
  return undefined;
}
