/**
 * Moving an existing cluster from the single `k8zner-credentials` Secret to the split layout (cloud tokens apart
 * from the Talos secrets bundle and talosconfig). The new Secrets are applied with the rest of the operator
 * installation; the old one goes only afterwards, and only when both new ones can be read back, so a failure at
 * any point leaves at least one complete copy of every credential in the cluster.
 *
 * @module
 */
import type { KubeClient } from "../../kube/mod.ts";
import {
  CLOUD_CREDENTIALS_SECRET_NAME,
  LEGACY_CREDENTIALS_SECRET_NAME,
  TALOS_CREDENTIALS_SECRET_NAME,
} from "../../addons/k8zner_cluster.ts";
import { K8ZNER_NAMESPACE } from "../../addons/k8zner_crd.ts";

/** Keys each new Secret must hold before the combined one may go. */
const REQUIRED_KEYS: Record<string, string[]> = {
  [CLOUD_CREDENTIALS_SECRET_NAME]: ["hcloud-token"],
  [TALOS_CREDENTIALS_SECRET_NAME]: ["talos-secrets", "talosconfig"],
};

/** What {@linkcode retireLegacyCredentials} did. */
export type RetireResult = "absent" | "deleted";

/**
 * Deletes the pre-split `k8zner-credentials` Secret once both split Secrets exist with their keys.
 *
 * @throws {Error} when the old Secret exists but a new one is missing or incomplete (then nothing is deleted).
 */
export async function retireLegacyCredentials(kube: KubeClient): Promise<RetireResult> {
  const legacy = await kube.get("v1", "Secret", LEGACY_CREDENTIALS_SECRET_NAME, K8ZNER_NAMESPACE);
  if (!legacy) return "absent";
  for (const [name, keys] of Object.entries(REQUIRED_KEYS)) {
    const secret = await kube.get("v1", "Secret", name, K8ZNER_NAMESPACE);
    const data = (secret?.data ?? {}) as Record<string, string>;
    const missing = keys.filter((k) => !data[k]);
    if (!secret || missing.length > 0) {
      throw new Error(
        `Cannot delete Secret "${K8ZNER_NAMESPACE}/${LEGACY_CREDENTIALS_SECRET_NAME}": ` +
          (secret ? `Secret "${name}" lacks ${missing.join(", ")}` : `Secret "${name}" does not exist yet`) +
          "; it stays until the split Secrets are complete",
      );
    }
  }
  await kube.delete("v1", "Secret", LEGACY_CREDENTIALS_SECRET_NAME, K8ZNER_NAMESPACE);
  return "deleted";
}
