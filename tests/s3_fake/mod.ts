/**
 * A small S3 endpoint standing in for Hetzner Object Storage: it verifies every request's AWS Signature
 * Version 4 with its own implementation (sigv4.ts) and refuses what the real service refuses — a wrong
 * secret with 403 `SignatureDoesNotMatch`, an unknown key with `InvalidAccessKeyId`, a request signed
 * for another region, a stale date, a payload that does not match its hash, a lifecycle PUT without
 * Content-MD5, bucket tagging (Hetzner does not support it) — with S3's XML error bodies (none for
 * HEAD, as S3 sends none). It keeps buckets and objects in memory, counts each operation, and applies
 * lifecycle expiration on demand against an injected clock, so retention is tested for what it does.
 *
 * Buckets are addressed virtual-hosted (`<bucket>.<baseHost>`, Hetzner's documented form) or by path.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { computeSignature, parseAuthorization, sha256Hex } from "./sigv4.ts";

/** One set of credentials and the account (project) it belongs to. */
export interface S3FakeCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Buckets belong to accounts; default: the access key id. */
  account?: string;
}

/** Options of {@link createS3Fake}. */
export interface S3FakeOptions {
  /** The location this endpoint serves, e.g. `fsn1` (the signing region and LocationConstraint). */
  region: string;
  credentials: S3FakeCredentials[];
  /** Host name of the endpoint for virtual-hosted addressing, e.g. `fsn1.your-objectstorage.com`. */
  baseHost?: string;
  /** Epoch ms; default `Date.now`. Request dates are checked against it (15 minutes of skew allowed). */
  clock?: () => number;
}

interface StoredObject {
  body: Uint8Array;
  contentType: string;
  lastModified: number;
}

interface Bucket {
  account: string;
  region: string;
  created: number;
  lifecycle?: string;
  objects: Map<string, StoredObject>;
}

/** The fake's state, for assertions. */
export interface S3Fake {
  /** Answers one request (use as an injected `fetch`, or behind {@link startS3Fake}). */
  handle(request: Request): Promise<Response>;
  /** Number of calls of each operation that passed authentication, e.g. `CreateBucket`. */
  readonly calls: Record<string, number>;
  /** Requests refused by authentication, by S3 error code. */
  readonly refused: Record<string, number>;
  buckets(): string[];
  /** Keys of a bucket's objects (sorted). */
  objectKeys(bucket: string): string[];
  lifecycle(bucket: string): string | undefined;
  /** Adds a bucket owned by `account` (e.g. another project's). */
  addBucket(name: string, account: string): void;
  /** Puts an object directly (as an uploader would), written at the fake's current time. */
  putObjectAt(bucket: string, key: string, body: string): void;
  /**
   * Runs lifecycle expiration now: objects under an enabled rule's prefix whose age reaches `Days` (S3
   * rounds the expiry up to the next midnight UTC) are deleted. Returns the deleted `bucket/key`s.
   */
  applyLifecycle(): string[];
}

const DAY_MS = 86_400_000;
const MAX_SKEW_MS = 15 * 60_000;
const NS = "http://s3.amazonaws.com/doc/2006-03-01/";

class S3Failure extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

function xmlEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function tag(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`).exec(xml);
  return m?.[1]?.trim();
}

function tags(xml: string, name: string): string[] {
  return [...xml.matchAll(new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`, "g"))].map((m) => m[1]!);
}

function xmlResponse(status: number, body: string, head: boolean): Response {
  return new Response(head ? null : `<?xml version="1.0" encoding="UTF-8"?>\n${body}`, {
    status,
    headers: { "content-type": "application/xml" },
  });
}

function errorResponse(f: S3Failure, resource: string, head: boolean): Response {
  return xmlResponse(
    f.status,
    `<Error><Code>${f.code}</Code><Message>${xmlEscape(f.message)}</Message><Resource>${
      xmlEscape(resource)
    }</Resource><RequestId>fake</RequestId></Error>`,
    head,
  );
}

const BUCKET_NAME = /^(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** The in-memory endpoint. */
export function createS3Fake(options: S3FakeOptions): S3Fake {
  const clock = options.clock ?? Date.now;
  const keys = new Map(options.credentials.map((c) => [c.accessKeyId, c]));
  const buckets = new Map<string, Bucket>();
  const calls: Record<string, number> = {};
  const refused: Record<string, number> = {};

  async function authenticate(request: Request, url: URL, body: Uint8Array): Promise<string> {
    const header = request.headers.get("authorization");
    if (header === null) throw new S3Failure(403, "AccessDenied", "Access Denied");
    const auth = parseAuthorization(header);
    if (!auth) throw new S3Failure(400, "AuthorizationHeaderMalformed", "The authorization header is malformed");
    const creds = keys.get(auth.accessKeyId);
    if (!creds) {
      throw new S3Failure(
        403,
        "InvalidAccessKeyId",
        "The AWS Access Key Id you provided does not exist in our records.",
      );
    }
    if (auth.region !== options.region || auth.service !== "s3") {
      throw new S3Failure(
        400,
        "AuthorizationHeaderMalformed",
        `The authorization header is malformed; the region '${auth.region}' is wrong; expecting '${options.region}'`,
      );
    }
    const amzDate = request.headers.get("x-amz-date");
    const parsed = amzDate && /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
    if (!parsed) {
      throw new S3Failure(403, "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header");
    }
    const at = Date.UTC(+parsed[1]!, +parsed[2]! - 1, +parsed[3]!, +parsed[4]!, +parsed[5]!, +parsed[6]!);
    if (Math.abs(at - clock()) > MAX_SKEW_MS) {
      throw new S3Failure(
        403,
        "RequestTimeTooSkewed",
        "The difference between the request time and the current time is too large.",
      );
    }
    if (auth.date !== amzDate!.slice(0, 8)) {
      throw new S3Failure(400, "AuthorizationHeaderMalformed", "The credential scope date does not match x-amz-date");
    }
    const payloadHash = request.headers.get("x-amz-content-sha256");
    if (payloadHash === null) {
      throw new S3Failure(400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256");
    }
    if (!auth.signedHeaders.includes("host") || !auth.signedHeaders.includes("x-amz-content-sha256")) {
      throw new S3Failure(403, "AccessDenied", "host and x-amz-content-sha256 must be signed");
    }
    const headers: Record<string, string> = {};
    request.headers.forEach((v, k) => headers[k] = v);
    headers["host"] = request.headers.get("host") ?? url.host;
    const rawUrl = request.url;
    const pathStart = rawUrl.indexOf("/", rawUrl.indexOf("//") + 2);
    const pathAndQuery = pathStart < 0 ? "/" : rawUrl.slice(pathStart);
    const q = pathAndQuery.indexOf("?");
    const { signature } = await computeSignature({
      method: request.method,
      rawPath: q < 0 ? pathAndQuery : pathAndQuery.slice(0, q),
      rawQuery: q < 0 ? "" : pathAndQuery.slice(q + 1),
      headers,
      signedHeaders: auth.signedHeaders,
      payloadHash,
      amzDate: amzDate!,
      scope: auth.scope,
      secretAccessKey: creds.secretAccessKey,
    });
    if (signature !== auth.signature) {
      throw new S3Failure(
        403,
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
      );
    }
    if (payloadHash !== "UNSIGNED-PAYLOAD" && payloadHash !== await sha256Hex(body)) {
      throw new S3Failure(
        400,
        "XAmzContentSHA256Mismatch",
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
      );
    }
    return creds.account ?? creds.accessKeyId;
  }

  function locate(url: URL): { bucket?: string; key?: string } {
    const base = options.baseHost;
    const decodePath = (p: string) => p.split("/").map(decodeURIComponent).join("/");
    if (base !== undefined && url.hostname.endsWith(`.${base}`)) {
      const key = decodePath(url.pathname.slice(1));
      return { bucket: url.hostname.slice(0, -(base.length + 1)), ...(key !== "" ? { key } : {}) };
    }
    const [, bucket, ...rest] = url.pathname.split("/");
    if (!bucket) return {};
    const key = decodePath(rest.join("/"));
    return { bucket, ...(key !== "" ? { key } : {}) };
  }

  function ownBucket(name: string, account: string): Bucket {
    const b = buckets.get(name);
    if (!b) throw new S3Failure(404, "NoSuchBucket", "The specified bucket does not exist");
    if (b.account !== account) throw new S3Failure(403, "AccessDenied", "Access Denied");
    return b;
  }

  function count(op: string): void {
    calls[op] = (calls[op] ?? 0) + 1;
  }

  function listObjects(bucket: Bucket, name: string, url: URL): Response {
    const prefix = url.searchParams.get("prefix") ?? "";
    const maxKeys = Math.min(1000, Number(url.searchParams.get("max-keys") ?? "1000"));
    const after = url.searchParams.get("continuation-token") ?? "";
    const all = [...bucket.objects.keys()].filter((k) => k.startsWith(prefix) && k > after).sort();
    const page = all.slice(0, maxKeys);
    const truncated = all.length > page.length;
    const contents = page.map((k) => {
      const o = bucket.objects.get(k)!;
      return `<Contents><Key>${xmlEscape(k)}</Key><LastModified>${
        new Date(o.lastModified).toISOString()
      }</LastModified><Size>${o.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
    }).join("");
    return xmlResponse(
      200,
      `<ListBucketResult xmlns="${NS}"><Name>${name}</Name><Prefix>${
        xmlEscape(prefix)
      }</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${
        truncated ? `<NextContinuationToken>${xmlEscape(page.at(-1)!)}</NextContinuationToken>` : ""
      }${contents}</ListBucketResult>`,
      false,
    );
  }

  function putLifecycle(bucket: Bucket, request: Request, text: string, body: Uint8Array): Response {
    const md5 = request.headers.get("content-md5");
    if (md5 === null) {
      throw new S3Failure(400, "InvalidRequest", "Missing required header for this request: Content-MD5");
    }
    if (createHash("md5").update(body).digest("base64") !== md5) {
      throw new S3Failure(400, "BadDigest", "The Content-MD5 you specified did not match what we received.");
    }
    if (!/<LifecycleConfiguration[\s>]/.test(text)) {
      throw new S3Failure(400, "MalformedXML", "The XML you provided was not well-formed");
    }
    for (const rule of tags(text, "Rule")) {
      const status = tag(rule, "Status");
      if (status !== "Enabled" && status !== "Disabled") {
        throw new S3Failure(400, "MalformedXML", "Rule Status must be Enabled or Disabled");
      }
      const expiration = tag(rule, "Expiration");
      if (expiration !== undefined) {
        const days = Number(tag(expiration, "Days"));
        if (!Number.isInteger(days) || days < 1) {
          throw new S3Failure(400, "InvalidArgument", "'Days' for Expiration action must be a positive integer");
        }
      }
    }
    bucket.lifecycle = text;
    return new Response(null, { status: 200 });
  }

  function route(request: Request, account: string, url: URL, body: Uint8Array): Response {
    const { bucket: name, key } = locate(url);
    const q = url.searchParams;
    const method = request.method;
    const head = method === "HEAD";
    if (q.has("tagging")) {
      throw new S3Failure(
        501,
        "NotImplemented",
        "A header or query you provided requested a function that is not implemented.",
      );
    }
    if (name === undefined) {
      if (method !== "GET") throw new S3Failure(405, "MethodNotAllowed", "The specified method is not allowed");
      count("ListBuckets");
      const mine = [...buckets].filter(([, b]) => b.account === account).map(([n, b]) =>
        `<Bucket><Name>${n}</Name><CreationDate>${new Date(b.created).toISOString()}</CreationDate></Bucket>`
      );
      return xmlResponse(
        200,
        `<ListAllMyBucketsResult xmlns="${NS}"><Buckets>${mine.join("")}</Buckets></ListAllMyBucketsResult>`,
        false,
      );
    }
    const text = new TextDecoder().decode(body);
    if (key === undefined) {
      if (method === "HEAD") {
        count("HeadBucket");
        ownBucket(name, account);
        return new Response(null, { status: 200, headers: { "x-amz-bucket-region": options.region } });
      }
      if (method === "PUT" && q.has("lifecycle")) {
        count("PutBucketLifecycle");
        return putLifecycle(ownBucket(name, account), request, text, body);
      }
      if (method === "GET" && q.has("lifecycle")) {
        count("GetBucketLifecycle");
        const b = ownBucket(name, account);
        if (b.lifecycle === undefined) {
          throw new S3Failure(404, "NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist");
        }
        return xmlResponse(200, b.lifecycle.replace(/^<\?xml[^>]*>\s*/, ""), false);
      }
      if (method === "PUT" && [...q.keys()].length === 0) {
        count("CreateBucket");
        if (!BUCKET_NAME.test(name)) {
          throw new S3Failure(400, "InvalidBucketName", "The specified bucket is not valid.");
        }
        const location = text === "" ? undefined : tag(text, "LocationConstraint");
        if (location !== undefined && location !== options.region) {
          throw new S3Failure(400, "InvalidLocationConstraint", "The specified location-constraint is not valid");
        }
        const existing = buckets.get(name);
        if (existing) {
          throw existing.account === account
            ? new S3Failure(
              409,
              "BucketAlreadyOwnedByYou",
              "Your previous request to create the named bucket succeeded and you already own it.",
            )
            : new S3Failure(409, "BucketAlreadyExists", "The requested bucket name is not available.");
        }
        buckets.set(name, { account, region: options.region, created: clock(), objects: new Map() });
        return new Response(null, { status: 200, headers: { location: `/${name}` } });
      }
      if (method === "GET" && q.get("list-type") === "2") {
        count("ListObjectsV2");
        return listObjects(ownBucket(name, account), name, url);
      }
      if (method === "DELETE" && [...q.keys()].length === 0) {
        count("DeleteBucket");
        const b = ownBucket(name, account);
        if (b.objects.size > 0) {
          throw new S3Failure(409, "BucketNotEmpty", "The bucket you tried to delete is not empty");
        }
        buckets.delete(name);
        return new Response(null, { status: 204 });
      }
      throw new S3Failure(
        501,
        "NotImplemented",
        "A header or query you provided requested a function that is not implemented.",
      );
    }
    const b = ownBucket(name, account);
    if (method === "PUT") {
      count("PutObject");
      b.objects.set(key, {
        body,
        contentType: request.headers.get("content-type") ?? "binary/octet-stream",
        lastModified: clock(),
      });
      return new Response(null, {
        status: 200,
        headers: { etag: `"${createHash("md5").update(body).digest("hex")}"` },
      });
    }
    if (method === "GET" || head) {
      count(head ? "HeadObject" : "GetObject");
      const o = b.objects.get(key);
      if (!o) throw new S3Failure(404, "NoSuchKey", "The specified key does not exist.");
      return new Response(head ? null : o.body.slice(), { status: 200, headers: { "content-type": o.contentType } });
    }
    if (method === "DELETE") {
      count("DeleteObject");
      b.objects.delete(key);
      return new Response(null, { status: 204 });
    }
    throw new S3Failure(405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
  }

  return {
    calls,
    refused,
    async handle(request) {
      const url = new URL(request.url);
      const head = request.method === "HEAD";
      const body = new Uint8Array(await request.arrayBuffer());
      let account: string;
      try {
        account = await authenticate(request, url, body);
      } catch (err) {
        if (!(err instanceof S3Failure)) throw err;
        refused[err.code] = (refused[err.code] ?? 0) + 1;
        return errorResponse(err, url.pathname, head);
      }
      try {
        return route(request, account, url, body);
      } catch (err) {
        if (!(err instanceof S3Failure)) throw err;
        return errorResponse(err, url.pathname, head);
      }
    },
    buckets: () => [...buckets.keys()].sort(),
    objectKeys: (bucket) => [...(buckets.get(bucket)?.objects.keys() ?? [])].sort(),
    lifecycle: (bucket) => buckets.get(bucket)?.lifecycle,
    addBucket(name, account) {
      buckets.set(name, { account, region: options.region, created: clock(), objects: new Map() });
    },
    putObjectAt(bucket, key, body) {
      const b = buckets.get(bucket);
      if (!b) throw new RangeError(`Cannot put "${key}": no bucket "${bucket}"`);
      b.objects.set(key, {
        body: new TextEncoder().encode(body),
        contentType: "application/octet-stream",
        lastModified: clock(),
      });
    },
    applyLifecycle() {
      const deleted: string[] = [];
      const now = clock();
      for (const [name, b] of buckets) {
        if (b.lifecycle === undefined) continue;
        for (const rule of tags(b.lifecycle, "Rule")) {
          if (tag(rule, "Status") !== "Enabled") continue;
          const expiration = tag(rule, "Expiration");
          const days = expiration === undefined ? NaN : Number(tag(expiration, "Days"));
          if (!Number.isInteger(days)) continue;
          const filter = tag(rule, "Filter");
          const prefix = (filter !== undefined ? tag(filter, "Prefix") : tag(rule, "Prefix")) ?? "";
          for (const [key, o] of b.objects) {
            if (!key.startsWith(prefix)) continue;
            // Creation time plus the days, rounded up to the next midnight UTC (S3's documented rule).
            const expires = Math.ceil((o.lastModified + days * DAY_MS) / DAY_MS) * DAY_MS;
            if (now >= expires) {
              b.objects.delete(key);
              deleted.push(`${name}/${key}`);
            }
          }
        }
      }
      return deleted.sort();
    },
  };
}

/** A fake served on a loopback address. */
export interface RunningS3Fake {
  readonly fake: S3Fake;
  /** e.g. `http://127.0.0.1:41234` (path-style addressing). */
  readonly url: string;
  close(): Promise<void>;
}

/** Serves {@link createS3Fake} on `hostname` (default 127.0.0.1) at a free port. */
export async function startS3Fake(options: S3FakeOptions & { hostname?: string }): Promise<RunningS3Fake> {
  const fake = createS3Fake(options);
  const { promise: listening, resolve } = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve({
    hostname: options.hostname ?? "127.0.0.1",
    port: 0,
    onListen: (addr) => resolve(addr as Deno.NetAddr),
  }, (req) => fake.handle(req));
  const addr = await listening;
  return { fake, url: `http://${addr.hostname}:${addr.port}`, close: () => server.shutdown() };
}
