/**
 * Small helpers the workload controllers share: which pods a controller owns, whether a pod is
 * ready, and the hash naming a pod template revision.
 *
 * @module
 */
import type { FakeKubeStore, KubeObj } from "../kube_fake/mod.ts";

/** The pods whose controller owner reference points at `owner` (by uid). */
export function ownedPods(pods: readonly KubeObj[], owner: KubeObj): KubeObj[] {
  const uid = (owner.metadata as { uid?: string }).uid;
  return pods.filter((p) =>
    ((p.metadata as { ownerReferences?: Array<{ uid?: string; controller?: boolean }> }).ownerReferences ?? [])
      .some((o) => o.uid === uid && o.controller === true)
  );
}

/** Whether the pod's Ready condition is True. */
export function podReady(pod: KubeObj): boolean {
  const conditions = ((pod.status ?? {}) as { conditions?: Array<{ type: string; status: string }> }).conditions;
  return conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;
}

/** Hashes of frozen templates, by the template object (see {@link templateHash}). */
const frozenHashes = new WeakMap<object, string>();

/**
 * A short stable hash of a pod template (FNV-1a over its JSON, in the API's safe alphabet), standing
 * in for `controller-revision-hash` and the ReplicaSet/revision name suffixes.
 *
 * A frozen template (one of the store's views, `viewObjects`, which are deep-frozen) cannot change, so
 * its hash is computed once: the workload controllers hash every template on every pass, several times
 * a second, and serializing the templates was their largest cost once the reads stopped copying.
 */
export function templateHash(template: unknown): string {
  const frozen = typeof template === "object" && template !== null && Object.isFrozen(template);
  if (frozen) {
    const known = frozenHashes.get(template);
    if (known !== undefined) return known;
  }
  const hash = computeTemplateHash(template);
  if (frozen) frozenHashes.set(template, hash);
  return hash;
}

function computeTemplateHash(template: unknown): string {
  let h = 0x811c9dc5;
  for (const ch of JSON.stringify(template ?? {})) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  const alphabet = "bcdfghjklmnpqrstvwxz2456789";
  let out = "";
  for (let i = 0; i < 10; i++) {
    out += alphabet[h % alphabet.length];
    h = Math.floor(h / alphabet.length) || (h ^ 0x9e3779b9) >>> 0;
  }
  return out;
}

/** Whether the cluster's API serves `kind` of `apiVersion` now (a CRD may not be installed yet). */
export function servesKind(store: FakeKubeStore, apiVersion: string, kind: string): boolean {
  try {
    store.typeOf(apiVersion, kind);
    return true;
  } catch {
    return false;
  }
}
