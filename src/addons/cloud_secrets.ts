/**
 * The two Secrets the Hetzner addons read, rendered as objects to apply: `kube-system/hcloud` (API token
 * and network ID, for the CCM and the CSI controller) and `kube-system/hcloud-csi-secret` (the LUKS
 * passphrase of encrypted volumes). Chart values only ever name these Secrets, so no credential reaches a
 * Helm release (whose values Helm stores in plain sight of anyone who can read release Secrets).
 *
 * The passphrase is generated once, when the Secret does not exist, and never again: every encrypted
 * volume is formatted with it (the earlier implementation recreated it on reinstall, inventory §10).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { KubeObject } from "../kube/types.ts";
import { LABEL_KEYS, MANAGED_BY } from "../lib/labels.ts";
import { sortKeysDeep } from "./sort_keys.ts";

/** Where a Secret lives. */
export interface SecretRef {
  readonly namespace: string;
  readonly name: string;
}

/** Token (key `token`) and network ID (key `network`, decimal) for the CCM and the CSI driver. */
export const HCLOUD_SECRET: SecretRef = { namespace: "kube-system", name: "hcloud" };
/** The LUKS passphrase (key `encryption-passphrase`) of the encrypted storage class. */
export const CSI_ENCRYPTION_SECRET: SecretRef = { namespace: "kube-system", name: "hcloud-csi-secret" };
/** The key of the passphrase in {@link CSI_ENCRYPTION_SECRET}, as the Hetzner CSI driver reads it. */
export const CSI_PASSPHRASE_KEY = "encryption-passphrase";
/**
 * The Cloudflare API token (key {@link CLOUDFLARE_TOKEN_KEY}) that cert-manager's DNS-01 solver and
 * external-dns read: one copy in each namespace that needs it (a Secret cannot be read across namespaces).
 */
export const CLOUDFLARE_SECRET_NAME = "cloudflare-api-token";
/** The key of the token in {@link CLOUDFLARE_SECRET_NAME}. */
export const CLOUDFLARE_TOKEN_KEY = "api-token";
/** Bytes of randomness in a passphrase (64 hex digits). */
export const PASSPHRASE_BYTES = 32;

/** The `hcloud` Secret. Throws RangeError for an empty token or a network ID that is not a positive integer. */
export function renderHcloudSecret(token: string, networkId: number): KubeObject {
  if (token === "") throw new RangeError("Cannot render the hcloud Secret: the token is empty");
  if (!Number.isSafeInteger(networkId) || networkId <= 0) {
    throw new RangeError(`Cannot render the hcloud Secret: network ID ${networkId} is not a positive integer`);
  }
  return secret(HCLOUD_SECRET, { token, network: String(networkId) });
}

/** The CSI encryption Secret. Throws RangeError for an empty passphrase. */
export function renderCsiEncryptionSecret(passphrase: string): KubeObject {
  if (passphrase === "") throw new RangeError("Cannot render the CSI encryption Secret: the passphrase is empty");
  return secret(CSI_ENCRYPTION_SECRET, { [CSI_PASSPHRASE_KEY]: passphrase });
}

/**
 * The copy of the Cloudflare API token in `namespace` ({@link CLOUDFLARE_SECRET_NAME}, key
 * {@link CLOUDFLARE_TOKEN_KEY}). Throws RangeError for an empty token or namespace.
 */
export function renderCloudflareSecret(namespace: string, token: string): KubeObject {
  if (token === "") throw new RangeError("Cannot render the Cloudflare token Secret: the token is empty");
  if (namespace === "") throw new RangeError("Cannot render the Cloudflare token Secret: the namespace is empty");
  return secret({ namespace, name: CLOUDFLARE_SECRET_NAME }, { [CLOUDFLARE_TOKEN_KEY]: token });
}

/** A new passphrase: {@link PASSPHRASE_BYTES} bytes from `random` as lowercase hex. */
export function generatePassphrase(random: (n: number) => Uint8Array): string {
  const bytes = random(PASSPHRASE_BYTES);
  if (bytes.length !== PASSPHRASE_BYTES) {
    throw new RangeError(`Cannot generate a passphrase: the random source gave ${bytes.length} bytes, not 32`);
  }
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function secret(ref: SecretRef, data: Record<string, string>): KubeObject {
  const encoded = Object.fromEntries(
    Object.entries(data).map(([key, value]) => [key, Buffer.from(value, "utf8").toString("base64")]),
  );
  return sortKeysDeep({
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: ref.name,
      namespace: ref.namespace,
      labels: { "app.kubernetes.io/managed-by": MANAGED_BY, [LABEL_KEYS.managedBy]: MANAGED_BY },
    },
    type: "Opaque",
    data: encoded,
  });
}
