/**
 * A small Cloudflare API v4 client over an injected `fetch`: the token goes only into the
 * `Authorization: Bearer` header (never into errors or logs), every answer is unwrapped from
 * Cloudflare's envelope `{success, errors, messages, result, result_info}`, and idempotent requests
 * (GET, DELETE) are retried on 429 (honouring `Retry-After`), 5xx and network failures.
 *
 * @module
 */
import { classifyNetworkError } from "../lib/network_error.ts";
import { CloudflareError } from "./errors.ts";
import type { CloudflareEnvelope } from "./types.ts";

/** Cloudflare's API base URL. */
export const CLOUDFLARE_API_URL = "https://api.cloudflare.com/client/v4";

/** Options of {@link createCloudflareClient}. */
export interface CloudflareClientOptions {
  token: string;
  /** Default {@link CLOUDFLARE_API_URL}; tests point it at the fake. */
  baseUrl?: string;
  fetch: typeof fetch;
  sleep: (ms: number) => Promise<void>;
  /** Attempts per idempotent request (default 4). */
  maxAttempts?: number;
  /** First retry delay in ms, doubled per attempt (default 1000). */
  baseDelayMs?: number;
}

/** One request: method, path below the base URL, and query parameters. */
export interface CloudflareRequest {
  method: "GET" | "DELETE";
  path: string;
  query?: Record<string, string | number>;
}

/** The client: one raw request; the resource helpers (`zones.ts`, `dns_records.ts`) build on it. */
export interface CloudflareClient {
  /** Sends the request and returns the envelope of a successful answer; throws {@link CloudflareError}. */
  request<T>(req: CloudflareRequest): Promise<CloudflareEnvelope<T>>;
}

/** Longest wait a `Retry-After` may ask for before the client gives up waiting for it. */
const MAX_RETRY_AFTER_MS = 60_000;

/** Creates the client. */
export function createCloudflareClient(options: CloudflareClientOptions): CloudflareClient {
  if (options.token.trim() === "") throw new TypeError("Cannot create a Cloudflare client: the token is empty");
  const base = (options.baseUrl ?? CLOUDFLARE_API_URL).replace(/\/+$/, "");
  const maxAttempts = options.maxAttempts ?? 4;
  const baseDelay = options.baseDelayMs ?? 1000;

  const once = async <T>(req: CloudflareRequest, label: string): Promise<CloudflareEnvelope<T>> => {
    const url = new URL(`${base}${req.path}`);
    for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, String(v));
    let res: Response;
    try {
      res = await options.fetch(url, {
        method: req.method,
        headers: { Authorization: `Bearer ${options.token}`, Accept: "application/json" },
      });
    } catch (err) {
      const reason = classifyNetworkError(err).reason;
      throw new CloudflareError(0, undefined, `Cloudflare API ${label}: no answer: ${reason}`, label, { cause: err });
    }
    const text = await res.text();
    let body: Partial<CloudflareEnvelope<T>> | undefined;
    try {
      body = text === "" ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (res.ok && body?.success === true) return body as CloudflareEnvelope<T>;
    const first = body?.errors?.[0];
    const message = first
      ? `${first.message} (code ${first.code})`
      : `HTTP ${res.status}${body === undefined ? " without a Cloudflare answer" : ""}`;
    throw new CloudflareError(res.status, first?.code, `Cloudflare API ${label}: ${message}`, label, {
      retryAfterMs: retryAfterMs(res.headers.get("retry-after")),
    });
  };

  return {
    async request<T>(req: CloudflareRequest): Promise<CloudflareEnvelope<T>> {
      const label = `${req.method} ${req.path}`;
      for (let attempt = 1;; attempt++) {
        try {
          return await once<T>(req, label);
        } catch (err) {
          if (!(err instanceof CloudflareError) || !retryable(err) || attempt >= maxAttempts) throw err;
          await options.sleep(err.retryAfterMs ?? baseDelay * 2 ** (attempt - 1));
        }
      }
    },
  };
}

/** 429, 5xx and no answer at all: waiting can help. (Both methods the client sends are idempotent.) */
function retryable(err: CloudflareError): boolean {
  return err.status === 0 || err.status === 429 || err.status >= 500;
}

function retryAfterMs(header: string | null): number | undefined {
  if (header === null || !/^\d+$/.test(header.trim())) return undefined;
  return Math.min(Number(header.trim()) * 1000, MAX_RETRY_AFTER_MS);
}
