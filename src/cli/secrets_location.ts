/**
 * Where a cluster's credentials live: `secrets/<cluster>/` beside the config file that was found (so
 * running k8zner from a subdirectory uses the same files as running it beside `k8zner.yaml`), or the
 * directory `--secrets-dir` names. Every command that reads or writes credentials resolves it here.
 *
 * @module
 */
import { dirname, join, resolve } from "node:path";
import { clusterSecretsDir, SECRETS_PARENT_DIR } from "../cluster/credentials/secrets_layout.ts";
import type { LoadedConfig } from "./load_config.ts";

/** Flags and help text of the shared option. */
export const SECRETS_DIR_OPTION = {
  flags: "--secrets-dir <dir>",
  description: "directory of the cluster's secrets.yaml, talosconfig and kubeconfig " +
    "(default: secrets/<cluster>/ beside the config file)",
} as const;

/** The resolved location. */
export interface SecretsLocation {
  /** The directory holding `secrets.yaml`, `talosconfig`, `kubeconfig` (absolute). */
  dir: string;
  /** The directory that gets a `.gitignore` of `*`: `secrets/` beside the config, or the `--secrets-dir`. */
  gitignoreDir: string;
}

/** Resolves the secrets directory of the loaded config; a relative `--secrets-dir` is taken from `cwd`. */
export function resolveSecretsLocation(
  loaded: Pick<LoadedConfig, "path" | "spec">,
  cwd: string,
  secretsDir?: string,
): SecretsLocation {
  if (secretsDir !== undefined && secretsDir.trim() !== "") {
    const dir = resolve(cwd, secretsDir);
    return { dir, gitignoreDir: dir };
  }
  const configDir = dirname(loaded.path);
  return { dir: clusterSecretsDir(configDir, loaded.spec.name), gitignoreDir: join(configDir, SECRETS_PARENT_DIR) };
}

/** A path as shown to the user: `./rel` inside `cwd`, else absolute. */
export function shownPath(path: string, cwd: string): string {
  const base = resolve(cwd) + "/";
  return path.startsWith(base) ? `./${path.slice(base.length)}` : path;
}
