/**
 * A small S3 client for the bucket calls k8zner makes on Hetzner Object Storage, signed with AWS
 * Signature Version 4 by `aws4fetch` (ADR 0008). Everything with side effects is injected (fetch, sleep,
 * clock, random); credentials live only in the signer and never reach an error, a log line or a retry
 * report.
 *
 * Every call k8zner makes is safe to repeat (HEAD, GET, and PUTs that set a whole state; a repeated
 * CreateBucket answers `BucketAlreadyOwnedByYou`, which the caller treats as done), so each one is retried
 * on 5xx, 429/`SlowDown` and network failures with jittered exponential backoff, like the Hetzner client.
 *
 * @module
 */
import { AwsClient } from "aws4fetch";
import { createHash } from "node:crypto";
import { classifyNetworkError } from "../lib/network_error.ts";
import { codeForStatus, S3Error } from "./errors.ts";
import { elements, elementText, escapeXml } from "./xml.ts";

/** How buckets are addressed: `<bucket>.<endpoint host>` (Hetzner's documented form) or `<endpoint>/<bucket>`. */
export type BucketAddressing = "virtual-hosted" | "path";

/** Tunables of the retry loop. */
export interface S3RetryOptions {
  /** Attempts in total, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_S3_RETRY: S3RetryOptions = { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 8_000 };

/** Options of {@link createS3Client}. */
export interface S3ClientOptions {
  /** E.g. `https://fsn1.your-objectstorage.com`. */
  endpoint: string;
  /** Signing region; on Hetzner the location (`fsn1`). */
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  fetch: typeof fetch;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Epoch ms for `X-Amz-Date`; default `Date.now`. */
  clock?: () => number;
  /** In [0, 1), for backoff jitter; default `Math.random`. */
  random?: () => number;
  addressing?: BucketAddressing;
  retry?: Partial<S3RetryOptions>;
  /** Told about each retry (request, attempt, delay, reason); never credentials. */
  onRetry?: (event: { request: string; attempt: number; maxAttempts: number; delayMs: number; reason: string }) => void;
}

/** One object of a listing. */
export interface S3ObjectSummary {
  key: string;
  size: number;
  lastModified: string;
}

/** The calls k8zner makes. */
export interface S3Client {
  /** True when the bucket exists and these credentials may use it; false on 404. Throws on 403 and others. */
  headBucket(bucket: string): Promise<boolean>;
  /** `created`, or `already-owned` when these credentials' account has it already (a repeated create). */
  createBucket(bucket: string, locationConstraint: string): Promise<"created" | "already-owned">;
  /** The bucket's lifecycle configuration XML; undefined when it has none. */
  getBucketLifecycle(bucket: string): Promise<string | undefined>;
  putBucketLifecycle(bucket: string, configXml: string): Promise<void>;
  putObject(bucket: string, key: string, body: string | Uint8Array, contentType: string): Promise<void>;
  /** The object's text; undefined when absent. */
  getObject(bucket: string, key: string): Promise<string | undefined>;
  /** The object's bytes (an etcd snapshot); undefined when absent. */
  getObjectBytes(bucket: string, key: string): Promise<Uint8Array | undefined>;
  /** Every object under `prefix` (ListObjectsV2, following continuation tokens). */
  listObjects(bucket: string, prefix: string): Promise<S3ObjectSummary[]>;
  /** The names of the account's buckets (ListBuckets). */
  listBuckets(): Promise<string[]>;
}

interface Call {
  method: "GET" | "HEAD" | "PUT";
  bucket?: string;
  key?: string;
  /** Query parameters; an empty value is a sub-resource (`?lifecycle`). */
  query?: Record<string, string>;
  body?: string | Uint8Array;
  headers?: Record<string, string>;
  /** Statuses that are answers, not errors (e.g. 404 for HEAD). */
  accept?: number[];
}

function hex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function amzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[:-]|\.\d{3}/g, "");
}

/** Creates the client. Throws a TypeError for an endpoint that is not an absolute http(s) URL. */
export function createS3Client(options: S3ClientOptions): S3Client {
  let base: URL;
  try {
    base = new URL(options.endpoint);
  } catch (err) {
    throw new TypeError(`Cannot use the S3 endpoint "${options.endpoint}": not a URL`, { cause: err });
  }
  if (base.protocol !== "https:" && base.protocol !== "http:") {
    throw new TypeError(`Cannot use the S3 endpoint "${options.endpoint}": only http(s) URLs are allowed`);
  }
  const addressing = options.addressing ?? "virtual-hosted";
  const retry = { ...DEFAULT_S3_RETRY, ...options.retry };
  const clock = options.clock ?? Date.now;
  const random = options.random ?? Math.random;
  // retries: 0: aws4fetch's own loop would retry without our backoff, budget or reporting.
  const signer = new AwsClient({
    accessKeyId: options.accessKeyId,
    secretAccessKey: options.secretAccessKey,
    service: "s3",
    region: options.region,
    retries: 0,
  });

  function urlOf(call: Call): URL {
    const url = new URL(base.href);
    const key = call.key === undefined ? "" : call.key.split("/").map(encodeURIComponent).join("/");
    const basePath = url.pathname.replace(/\/+$/, "");
    if (call.bucket !== undefined && addressing === "virtual-hosted") {
      url.hostname = `${call.bucket}.${url.hostname}`;
      url.pathname = `${basePath}/${key}`;
    } else if (call.bucket !== undefined) {
      url.pathname = `${basePath}/${call.bucket}${call.key === undefined ? "" : `/${key}`}`;
    } else {
      url.pathname = `${basePath}/`;
    }
    // Sub-resources are written `?lifecycle`; URLSearchParams would write `lifecycle=`, which signs the same.
    url.search = Object.entries(call.query ?? {}).map(([k, v]) =>
      v === "" ? encodeURIComponent(k) : `${encodeURIComponent(k)}=${encodeURIComponent(v)}`
    ).join("&");
    return url;
  }

  function label(call: Call): string {
    const path = call.bucket === undefined ? "/" : `/${call.bucket}${call.key === undefined ? "" : `/${call.key}`}`;
    const ops = Object.keys(call.query ?? {}).filter((k) => call.query![k] === "");
    return `${call.method} ${path}${ops.length > 0 ? `?${ops.join("&")}` : ""}`;
  }

  async function once(call: Call): Promise<Response> {
    const body = call.body ?? "";
    const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
    const payloadHash = hex(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
    const request = await signer.sign(urlOf(call).href, {
      method: call.method,
      headers: { ...call.headers, "x-amz-content-sha256": payloadHash },
      ...(call.body !== undefined ? { body: call.body } : {}),
      aws: { datetime: amzDate(clock()) },
    } as RequestInit);
    return await options.fetch(request);
  }

  async function send(call: Call): Promise<Response> {
    const request = label(call);
    for (let attempt = 1;; attempt++) {
      let failure: S3Error;
      try {
        const response = await once(call);
        if (response.ok || call.accept?.includes(response.status)) return response;
        failure = await errorOf(response, request, call.method === "HEAD");
      } catch (err) {
        const network = classifyNetworkError(err);
        failure = new S3Error({
          code: "NetworkError",
          status: 0,
          request,
          message: network.reason,
          network,
          cause: err,
        });
      }
      const retryable = failure.status === 0
        ? failure.network?.kind !== "tls" && failure.network?.kind !== "blocked"
        : failure.status >= 500 || failure.status === 429 || failure.code === "SlowDown";
      if (!retryable || attempt >= retry.maxAttempts) throw failure;
      const nominal = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
      const delayMs = Math.round(nominal * (0.5 + 0.5 * random()));
      options.onRetry?.({
        request,
        attempt: attempt + 1,
        maxAttempts: retry.maxAttempts,
        delayMs,
        reason: failure.code,
      });
      await options.sleep(delayMs);
    }
  }

  async function getObjectBytes(bucket: string, key: string): Promise<Uint8Array | undefined> {
    const r = await send({ method: "GET", bucket, key, accept: [404] });
    if (r.status !== 404) return new Uint8Array(await r.arrayBuffer());
    const text = await r.text();
    if (elementText(text, "Code") === "NoSuchKey") return undefined;
    throw new S3Error({
      code: elementText(text, "Code") ?? "NotFound",
      status: 404,
      request: `GET /${bucket}/${key}`,
      message: elementText(text, "Message") ?? "not found",
    });
  }

  return {
    async headBucket(bucket) {
      const r = await send({ method: "HEAD", bucket, accept: [404] });
      await r.body?.cancel();
      return r.status !== 404;
    },
    async createBucket(bucket, locationConstraint) {
      const body = `<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
        `<LocationConstraint>${escapeXml(locationConstraint)}</LocationConstraint></CreateBucketConfiguration>`;
      try {
        const r = await send({ method: "PUT", bucket, body, headers: { "content-type": "application/xml" } });
        await r.body?.cancel();
        return "created";
      } catch (err) {
        // A retried create whose first attempt went through, or an earlier run's bucket.
        if (err instanceof S3Error && err.code === "BucketAlreadyOwnedByYou") return "already-owned";
        throw err;
      }
    },
    async getBucketLifecycle(bucket) {
      const r = await send({ method: "GET", bucket, query: { lifecycle: "" }, accept: [404] });
      const text = await r.text();
      if (r.status === 404) {
        const code = elementText(text, "Code");
        if (code === "NoSuchLifecycleConfiguration") return undefined;
        throw new S3Error({
          code: code ?? "NotFound",
          status: 404,
          request: `GET /${bucket}?lifecycle`,
          message: elementText(text, "Message") ?? "not found",
        });
      }
      return text;
    },
    async putBucketLifecycle(bucket, configXml) {
      // S3 requires an integrity header on this call; Content-MD5 is the one every implementation knows.
      const md5 = createHash("md5").update(configXml).digest("base64");
      const r = await send({
        method: "PUT",
        bucket,
        query: { lifecycle: "" },
        body: configXml,
        headers: { "content-type": "application/xml", "content-md5": md5 },
      });
      await r.body?.cancel();
    },
    async putObject(bucket, key, body, contentType) {
      const r = await send({ method: "PUT", bucket, key, body, headers: { "content-type": contentType } });
      await r.body?.cancel();
    },
    async getObject(bucket, key) {
      const bytes = await getObjectBytes(bucket, key);
      return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
    },
    getObjectBytes,
    async listObjects(bucket, prefix) {
      const out: S3ObjectSummary[] = [];
      let token: string | undefined;
      do {
        const query: Record<string, string> = { "list-type": "2", prefix };
        if (token !== undefined) query["continuation-token"] = token;
        const text = await (await send({ method: "GET", bucket, query })).text();
        for (const item of elements(text, "Contents")) {
          out.push({
            key: elementText(item, "Key") ?? "",
            size: Number(elementText(item, "Size") ?? "0"),
            lastModified: elementText(item, "LastModified") ?? "",
          });
        }
        token = elementText(text, "IsTruncated") === "true" ? elementText(text, "NextContinuationToken") : undefined;
      } while (token !== undefined);
      return out;
    },
    async listBuckets() {
      const text = await (await send({ method: "GET" })).text();
      return elements(text, "Bucket").map((b) => elementText(b, "Name") ?? "");
    },
  };
}

async function errorOf(response: Response, request: string, head: boolean): Promise<S3Error> {
  const text = head ? "" : await response.text().catch(() => "");
  if (head) await response.body?.cancel();
  const code = elementText(text, "Code") ?? codeForStatus(response.status);
  const message = elementText(text, "Message") ?? (response.statusText || `HTTP ${response.status}`);
  return new S3Error({ code, status: response.status, request, message });
}
