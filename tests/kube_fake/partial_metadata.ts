/**
 * Metadata-only lists: a client asking `Accept: application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1`
 * gets every object's `metadata` as `PartialObjectMetadata` instead of the whole objects, as the API server
 * answers metadata informers and `kubectl get -o name`.
 *
 * @module
 */
import type { KubeObj } from "./store.ts";
import { metaOf } from "./object_meta.ts";

/** Whether the `Accept` header asks for a `PartialObjectMetadataList` (meta.k8s.io/v1). */
export function wantsPartialMetadataList(accept: string | null): boolean {
  return (accept ?? "").split(",").some((part) => {
    const params = part.split(";").map((p) => p.trim());
    return params.includes("as=PartialObjectMetadataList") && params.includes("g=meta.k8s.io") &&
      params.includes("v=v1");
  });
}

/** A list body (`items`, `metadata`) as a `PartialObjectMetadataList`. */
export function renderPartialMetadataList(list: Record<string, unknown>): KubeObj {
  return {
    kind: "PartialObjectMetadataList",
    apiVersion: "meta.k8s.io/v1",
    metadata: list.metadata ?? {},
    items: ((list.items ?? []) as KubeObj[]).map((obj) => ({
      kind: "PartialObjectMetadata",
      apiVersion: "meta.k8s.io/v1",
      metadata: metaOf(obj),
    })),
  };
}
