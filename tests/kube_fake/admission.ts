/**
 * Request checks of the fake Kubernetes API that need no stored state: the body's shape, the
 * object's name, and the preconditions of a server-side apply patch. Each throws the `Status`
 * the real API server answers with.
 *
 * @module
 */
import { type ResourceType, splitApiVersion } from "./resources.ts";
import { badRequest, invalid, KubeStatusError } from "./status.ts";
import { type KubeObj, metaOf } from "./object_meta.ts";

const NAME_RE = /^[a-z0-9]([-a-z0-9.:]*[a-z0-9])?$/;

/** Rejects a request body that is not a JSON object (400). */
export function requireObjectBody(body: unknown): asserts body is KubeObj {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw badRequest("body must be an object");
}

/** Rejects a body whose `metadata.name` differs from the name on the URL (400). */
export function requireNameMatchesUrl(bodyName: unknown, name: string): void {
  if (bodyName !== undefined && bodyName !== name) {
    throw badRequest(`the name of the object (${String(bodyName)}) does not match the name on the URL (${name})`);
  }
}

/**
 * The name of an object about to be created: `metadata.name`, or `generateName` plus five random
 * characters (written back into `meta`). Rejects a missing or non-RFC 1123 name (422).
 */
export function admitNewName(rt: ResourceType, meta: Record<string, unknown>): string {
  if (!meta.name && typeof meta.generateName === "string") {
    meta.name = meta.generateName + crypto.randomUUID().replaceAll("-", "").slice(0, 5);
  }
  const name = String(meta.name ?? "");
  if (name === "") throw invalid(rt, name, "metadata.name: Required value: name or generateName is required");
  if (!NAME_RE.test(name) || name.length > 253) {
    throw invalid(rt, name, `metadata.name: Invalid value: "${name}": must be a lowercase RFC 1123 subdomain`);
  }
  return name;
}

/** Rejects a server-side apply patch without a field manager (422) or for another type or name (400). */
export function checkApplyPatch(
  rt: ResourceType,
  name: string,
  body: unknown,
  fieldManager: string | undefined,
): asserts body is KubeObj {
  if (!fieldManager) {
    throw new KubeStatusError(
      422,
      "Invalid",
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
    );
  }
  requireObjectBody(body);
  if (body.apiVersion === undefined || body.kind === undefined) {
    throw badRequest("apiVersion and kind must be set in an apply patch");
  }
  const [group, version] = splitApiVersion(String(body.apiVersion));
  if (group !== rt.group || version !== rt.version || body.kind !== rt.kind) {
    throw badRequest(`the apply patch is for ${String(body.apiVersion)}, Kind=${String(body.kind)}, not ${rt.kind}`);
  }
  requireNameMatchesUrl(metaOf(body).name, name);
}
