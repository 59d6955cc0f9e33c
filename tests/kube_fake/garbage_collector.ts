/**
 * The garbage collector of kube-controller-manager, done at once: when an object is gone, objects
 * whose `ownerReferences` name it are deleted too (`Background`/`Foreground`, the default), or
 * keep living without that reference (`Orphan`). A dependent with another owner left only loses the
 * reference. Helm's uninstall relies on it (`propagationPolicy: Background`): a DaemonSet's pods go
 * with it.
 *
 * @module
 */
import { type ResourceType, storageKeyOf } from "./resources.ts";
import { badRequest } from "./status.ts";
import { type KubeObj, metaOf } from "./object_meta.ts";

/** `DeleteOptions.propagationPolicy`. */
export type PropagationPolicy = "Orphan" | "Background" | "Foreground";

/**
 * The policy of a DELETE: the `propagationPolicy` query parameter or the `DeleteOptions` body
 * (JSON; client-go sends one with every delete). 400 for an unknown policy or a body that is not JSON.
 */
export async function propagationPolicyOf(req: Request, q: URLSearchParams): Promise<PropagationPolicy | undefined> {
  let body: unknown;
  if ((req.headers.get("content-type") ?? "").includes("protobuf")) await req.body?.cancel();
  else {
    const text = await req.text();
    try {
      body = text.trim() === "" ? undefined : JSON.parse(text);
    } catch {
      throw badRequest("the DeleteOptions body is not valid JSON");
    }
  }
  const fromBody = typeof body === "object" && body !== null
    ? (body as Record<string, unknown>).propagationPolicy
    : undefined;
  const value = q.get("propagationPolicy") ?? fromBody;
  if (value === undefined || value === null || value === "") return undefined;
  if (value === "Orphan" || value === "Background" || value === "Foreground") return value;
  throw badRequest(
    `propagationPolicy: Unsupported value: "${String(value)}": supported values: "Foreground", "Background", "Orphan"`,
  );
}

/** What the collector needs of the store. */
export interface GcStore {
  types(): readonly ResourceType[];
  list(rt: ResourceType, matches: (obj: KubeObj) => boolean): KubeObj[];
  /** Deletes a dependent (which may cascade further). */
  remove(rt: ResourceType, obj: KubeObj): void;
  /** Writes a dependent with fewer ownerReferences. */
  replace(rt: ResourceType, obj: KubeObj): void;
}

function ownerUids(obj: KubeObj): string[] {
  const refs = metaOf(obj).ownerReferences;
  return Array.isArray(refs) ? refs.map((r) => String((r as Record<string, unknown>).uid ?? "")) : [];
}

/** Deletes or orphans the dependents of the owner with `uid`, which is gone. */
export function collectDependents(store: GcStore, uid: string, policy: PropagationPolicy = "Background"): void {
  const seen = new Set<string>();
  for (const rt of store.types()) {
    if (seen.has(storageKeyOf(rt))) continue;
    seen.add(storageKeyOf(rt));
    for (const obj of store.list(rt, (o) => ownerUids(o).includes(uid))) {
      const meta = metaOf(obj);
      const others = (meta.ownerReferences as Record<string, unknown>[]).filter((r) => r.uid !== uid);
      if (policy === "Orphan" || others.length > 0) {
        if (others.length > 0) meta.ownerReferences = others;
        else delete meta.ownerReferences;
        store.replace(rt, obj);
      } else store.remove(rt, obj);
    }
  }
}
