/**
 * AWS Signature Version 4 as the S3 server side computes it, written from AWS's documented algorithm
 * ("Create a signed AWS API request", and S3's "Signature Calculations for the Authorization Header")
 * and checked against AWS's published examples (sigv4_test.ts) — not against aws4fetch, so a signing
 * mistake in the client cannot hide behind the same mistake here.
 *
 * @module
 */

const encoder = new TextEncoder();

/** Lower-case hex of bytes. */
export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** SHA-256 hex of text or bytes. */
export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  return toHex(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
}

async function hmac(key: Uint8Array | string, data: string): Promise<Uint8Array> {
  const raw = typeof key === "string" ? encoder.encode(key) : key;
  const k = await crypto.subtle.importKey(
    "raw",
    raw as Uint8Array<ArrayBuffer>,
    { name: "HMAC", hash: "SHA-256" },
    false,
    [
      "sign",
    ],
  );
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, encoder.encode(data)));
}

/**
 * URI-encodes as SigV4 asks: every byte except the unreserved `A-Z a-z 0-9 - . _ ~` as `%XY` (upper-case
 * hex); `/` kept when `keepSlash` (object key names in the path).
 */
export function uriEncode(text: string, keepSlash: boolean): string {
  let out = "";
  for (const byte of encoder.encode(text)) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-._~]/.test(c) || (keepSlash && c === "/")) out += c;
    else out += "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, "%20"));
  } catch {
    return text;
  }
}

/** The canonical URI of a raw (as sent, percent-encoded) path: S3 encodes each segment once. */
export function canonicalUri(rawPath: string): string {
  return uriEncode(decode(rawPath === "" ? "/" : rawPath), true);
}

/** The canonical query string of a raw query (without `?`): pairs encoded, sorted by name then value. */
export function canonicalQuery(rawQuery: string): string {
  if (rawQuery === "") return "";
  const pairs = rawQuery.split("&").filter((p) => p !== "").map((p) => {
    const i = p.indexOf("=");
    const name = decode(i < 0 ? p : p.slice(0, i));
    const value = i < 0 ? "" : decode(p.slice(i + 1));
    return [uriEncode(name, false), uriEncode(value, false)] as const;
  });
  pairs.sort(([a, av], [b, bv]) => a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0);
  return pairs.map(([n, v]) => `${n}=${v}`).join("&");
}

/** What a signature is computed over. */
export interface SignatureInput {
  method: string;
  /** The path as sent (percent-encoded). */
  rawPath: string;
  /** The query as sent, without `?`. */
  rawQuery: string;
  /** Header name (any case) -> value. */
  headers: Record<string, string>;
  /** Lower-case names, as in `SignedHeaders`. */
  signedHeaders: string[];
  /** The `x-amz-content-sha256` value (or `UNSIGNED-PAYLOAD`). */
  payloadHash: string;
  /** `YYYYMMDDTHHMMSSZ`. */
  amzDate: string;
  /** `YYYYMMDD/region/service/aws4_request`. */
  scope: string;
  secretAccessKey: string;
}

/** The canonical request, the string to sign and the signature (hex). */
export async function computeSignature(
  input: SignatureInput,
): Promise<{ canonicalRequest: string; stringToSign: string; signature: string }> {
  const lower = new Map(Object.entries(input.headers).map(([k, v]) => [k.toLowerCase(), v]));
  const canonicalHeaders = input.signedHeaders
    .map((name) => `${name}:${(lower.get(name) ?? "").trim().replace(/\s+/g, " ")}\n`)
    .join("");
  const canonicalRequest = [
    input.method.toUpperCase(),
    canonicalUri(input.rawPath),
    canonicalQuery(input.rawQuery),
    canonicalHeaders,
    input.signedHeaders.join(";"),
    input.payloadHash,
  ].join("\n");
  const stringToSign = ["AWS4-HMAC-SHA256", input.amzDate, input.scope, await sha256Hex(canonicalRequest)].join("\n");
  const [date, region, service, terminator] = input.scope.split("/");
  let key = await hmac(`AWS4${input.secretAccessKey}`, date!);
  key = await hmac(key, region!);
  key = await hmac(key, service!);
  key = await hmac(key, terminator!);
  return { canonicalRequest, stringToSign, signature: toHex(await hmac(key, stringToSign)) };
}

/** A parsed `Authorization: AWS4-HMAC-SHA256 …` header. */
export interface ParsedAuthorization {
  accessKeyId: string;
  scope: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

/** Parses the header; undefined when it is not a well-formed SigV4 header. */
export function parseAuthorization(header: string): ParsedAuthorization | undefined {
  const m = /^AWS4-HMAC-SHA256\s+(.*)$/.exec(header.trim());
  if (!m) return undefined;
  const parts = new Map<string, string>();
  for (const part of m[1]!.split(",")) {
    const i = part.indexOf("=");
    if (i < 0) return undefined;
    parts.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
  }
  const credential = parts.get("Credential")?.split("/");
  const signedHeaders = parts.get("SignedHeaders")?.split(";");
  const signature = parts.get("Signature");
  if (!credential || credential.length !== 5 || credential[4] !== "aws4_request" || !signedHeaders || !signature) {
    return undefined;
  }
  const [accessKeyId, date, region, service] = credential as [string, string, string, string, string];
  return {
    accessKeyId,
    scope: credential.slice(1).join("/"),
    date,
    region,
    service,
    signedHeaders,
    signature,
  };
}
