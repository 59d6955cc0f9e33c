/**
 * ETags and conditional GETs as kube-apiserver serves its discovery and OpenAPI documents: the tag is the
 * SHA-512 of the document in upper-case hex, sent quoted; a request whose `If-None-Match` names exactly
 * that tag gets 304 Not Modified (same headers, no body). Clients keep these documents in an HTTP cache
 * (client-go's under `~/.kube/cache/http`) and revalidate them instead of downloading them again.
 *
 * @module
 */
import { createHash } from "node:crypto";

/** `%X` of the SHA-512 of `text`, as the API server computes a document's ETag. */
export function sha512Hex(text: string): string {
  return createHash("sha512").update(text).digest("hex").toUpperCase();
}

/**
 * `body` (rendered only when sent) with `ETag: "<hash>"` and `headers`, or 304 without a body when the
 * request's `If-None-Match` is that ETag.
 */
export function withETag(
  req: Request,
  body: () => string,
  hash: string,
  headers: Record<string, string>,
): Response {
  const etag = `"${hash}"`;
  const all = { ...headers, etag };
  if (req.headers.get("if-none-match") === etag) return new Response(null, { status: 304, headers: all });
  return new Response(body(), { headers: all });
}
