/**
 * The Cloudflare API as the stand-ins for external-dns and cert-manager call it: over `fetch`, the
 * token in the `Authorization` header only, Cloudflare's envelope unwrapped, lists paged. An error names
 * the caller, the request, the status and Cloudflare's first error, never the token.
 *
 * @module
 */

/** Requests to one Cloudflare API with one token. */
export interface CloudflareCalls {
  send(
    method: string,
    path: string,
    body?: unknown,
    query?: string,
  ): Promise<{ result: unknown; result_info?: { total_pages?: number } }>;
  /** Every item of a paged list. */
  list<T>(path: string, perPage: number): Promise<T[]>;
}

/** Cloudflare requests with the token in the header only; an error names status and Cloudflare's code. */
export function cloudflareCalls(
  base: string,
  token: string,
  who: string,
  fetchFn: typeof fetch = fetch,
): CloudflareCalls {
  const send = async (method: string, path: string, body?: unknown, query = ""): Promise<{
    result: unknown;
    result_info?: { total_pages?: number };
  }> => {
    const res = await fetchFn(`${base}${path}${query}`, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const parsed = await res.json().catch(() => ({}));
    if (!res.ok || parsed.success !== true) {
      const first = parsed.errors?.[0];
      throw new Error(
        `${who}: Cloudflare ${method} ${path}: HTTP ${res.status}${
          first ? ` ${first.message} (code ${first.code})` : ""
        }`,
      );
    }
    return parsed;
  };
  return {
    send,
    async list<T>(path: string, perPage: number): Promise<T[]> {
      const all: T[] = [];
      for (let page = 1;; page++) {
        const res = await send("GET", path, undefined, `?page=${page}&per_page=${perPage}`);
        all.push(...(res.result as T[]));
        if (page >= (res.result_info?.total_pages ?? page) || (res.result as T[]).length === 0) return all;
      }
    },
  };
}
