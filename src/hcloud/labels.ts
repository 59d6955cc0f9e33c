/**
 * Small label helpers the resource modules share.
 *
 * @module
 */
import type { Labels } from "./types.ts";

/** True when `found` carries every label of `wanted` with the same value. */
export function hasLabels(found: Labels | undefined, wanted: Labels | undefined): boolean {
  return Object.entries(wanted ?? {}).every(([k, v]) => found?.[k] === v);
}

/** A label selector matching exactly the given labels (`k=v,k2=v2`, keys sorted); "" for none. */
export function selectorFor(labels: Labels | undefined): string {
  return Object.keys(labels ?? {}).sort().map((k) => `${k}=${labels![k]}`).join(",");
}
