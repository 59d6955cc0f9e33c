/**
 * The on-disk layout of a cluster's credentials: `<config dir>/secrets/<cluster>/`. Kept apart from
 * `credentials.ts` so the CLI can name the directory at start-up without loading the PKI and YAML code.
 *
 * @module
 */
import { join } from "node:path";

/** The directory beside the config file that holds every cluster's credentials (and a `.gitignore` of `*`). */
export const SECRETS_PARENT_DIR = "secrets";

/** The cluster's secrets directory: `<configDir>/secrets/<cluster>`, `configDir` being the config file's directory. */
export function clusterSecretsDir(configDir: string, clusterName: string): string {
  return join(configDir, SECRETS_PARENT_DIR, clusterName);
}
