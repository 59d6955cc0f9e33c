/**
 * The Secrets the Hetzner CCM and CSI driver read, kept by the operator: `kube-system/hcloud` (the
 * cluster's token and network ID; applied when missing or different, so a rotated token reaches the
 * drivers) and the CSI encryption passphrase, created once and never regenerated: volumes formatted
 * with it could not be opened with another. Each is one GET in a converged pass.
 *
 * @module
 */
import {
  CSI_ENCRYPTION_SECRET,
  generatePassphrase,
  HCLOUD_SECRET,
  renderCsiEncryptionSecret,
  renderHcloudSecret,
} from "../../../addons/cloud_secrets.ts";
import { isKubeError, type KubeObject } from "../../../kube/mod.ts";
import type { ReconcileContext } from "../context.ts";

/** Field manager of the `hcloud` Secret apply. */
export const SECRETS_FIELD_MANAGER = "k8zner-operator";

/** The value of `key` in a Secret's `data`, decoded (UTF-8); undefined when absent. */
export function decoded(secret: KubeObject | undefined, key: string): string | undefined {
  const value = (secret?.data as Record<string, string> | undefined)?.[key];
  if (typeof value !== "string") return undefined;
  const binary = atob(value);
  return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}

/** What {@link ensureCloudSecrets} did (for tests and logs; never a value). */
export interface CloudSecretsResult {
  hcloudApplied: boolean;
  passphraseCreated: boolean;
}

/** Ensures both Secrets. */
export async function ensureCloudSecrets(ctx: ReconcileContext, networkId: number): Promise<CloudSecretsResult> {
  const token = ctx.hcloudToken();
  const current = await ctx.kube.get("v1", "Secret", HCLOUD_SECRET.name, HCLOUD_SECRET.namespace);
  const hcloudApplied = decoded(current, "token") !== token || decoded(current, "network") !== String(networkId);
  if (hcloudApplied) {
    await ctx.kube.applyServerSide([renderHcloudSecret(token, networkId)], SECRETS_FIELD_MANAGER);
    ctx.log.info("hcloud Secret written", { secret: `${HCLOUD_SECRET.namespace}/${HCLOUD_SECRET.name}` });
  }
  let passphraseCreated = false;
  const csi = await ctx.kube.get("v1", "Secret", CSI_ENCRYPTION_SECRET.name, CSI_ENCRYPTION_SECRET.namespace);
  if (!csi) {
    try {
      // create, never apply: if it appeared meanwhile, the existing passphrase wins.
      await ctx.kube.create(renderCsiEncryptionSecret(generatePassphrase((n) => ctx.addons.random(n))));
      passphraseCreated = true;
      ctx.log.info("CSI encryption passphrase created", {
        secret: `${CSI_ENCRYPTION_SECRET.namespace}/${CSI_ENCRYPTION_SECRET.name}`,
      });
      await ctx.events.record(
        ctx.cluster,
        "Normal",
        "EncryptionSecretCreated",
        "Create",
        `Created the CSI volume encryption passphrase in Secret ${CSI_ENCRYPTION_SECRET.namespace}/${CSI_ENCRYPTION_SECRET.name}; ` +
          "it is never regenerated (back it up: encrypted volumes cannot be opened without it)",
      );
    } catch (err) {
      if (!isKubeError(err, "AlreadyExists")) throw err;
    }
  } else if (!decoded(csi, "encryption-passphrase")) {
    // Never overwrite: a Secret without the key is a human's doing, and volumes may depend on what it held.
    throw new Error(
      `Secret ${CSI_ENCRYPTION_SECRET.namespace}/${CSI_ENCRYPTION_SECRET.name} has no key "encryption-passphrase"; ` +
        "k8zner does not replace it (encrypted volumes may depend on it): restore the key",
    );
  }
  return { hcloudApplied, passphraseCreated };
}
