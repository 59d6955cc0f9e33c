/**
 * The fingerprint of a release's values, stored as a label on its Helm revision so a pass can tell
 * whether the values changed without starting Helm or reading the values back.
 *
 * @module
 */
import { sortKeysDeep } from "../sort_keys.ts";

/** Hex characters kept: a label value holds at most 63 characters; 160 bits is plenty to notice a change. */
export const VALUES_HASH_LENGTH = 40;

/** The canonical JSON of `values` (keys sorted at every level): the same values always give the same text. */
export function canonicalValues(values: Record<string, unknown>): string {
  return JSON.stringify(sortKeysDeep(values));
}

/** SHA-256 of the canonical JSON of `values`, hex, the first {@link VALUES_HASH_LENGTH} characters. */
export async function valuesHash(values: Record<string, unknown>): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonicalValues(values)));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("").slice(0, VALUES_HASH_LENGTH);
}
