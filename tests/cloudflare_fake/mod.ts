/**
 * A Cloudflare API v4 fake for the zones and DNS records `destroy` and external-dns touch, on loopback,
 * refusing what Cloudflare refuses: a missing or wrong bearer token (403, code 10000), a `per_page` or
 * `page` out of the documented bounds (400), an unknown zone or record (404), a record to create or
 * patch that is malformed (400: no name/type/content, an A content that is no IPv4, a TTL other than 1
 * or 60..86400; a name not ending in the zone's is relative to it) or the same as one that exists (400, code 81058). Answers carry Cloudflare's envelope
 * `{success, errors, messages, result, result_info}`; lists paginate like Cloudflare (page size,
 * `total_pages`). Facts and their sources: `SOURCES.md` beside this file.
 *
 * ```ts
 * await using cf = await startCloudflareFake({ token: "t" });
 * const zone = cf.addZone("example.com");
 * cf.addRecord(zone.id, { type: "A", name: "argo.example.com", content: "192.0.2.1" });
 * // K8ZNER_CLOUDFLARE_URL=cf.url, CF_API_TOKEN=t
 * ```
 *
 * @module
 */

/** Bounds of `per_page` by list (SOURCES.md). */
export const PER_PAGE = {
  zones: { min: 5, max: 50, default: 20 },
  dnsRecords: { min: 1, max: 5_000_000, default: 100 },
} as const;

/** A zone as the fake keeps it. */
export interface FakeZone {
  id: string;
  name: string;
  status: "active";
}

/** A DNS record as the fake keeps it (and answers it). */
export interface FakeDnsRecord {
  id: string;
  type: string;
  name: string;
  content: string;
  ttl: number;
  proxied: boolean;
  proxiable: boolean;
  comment: string | null;
  tags: string[];
  settings: Record<string, never>;
  meta: Record<string, never>;
  created_on: string;
  modified_on: string;
}

/** A request the fake received (no headers: the token stays out of test output). */
export interface FakeCloudflareRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
}

/** A running fake. */
export interface CloudflareFake extends AsyncDisposable {
  /** API base URL, e.g. `http://127.0.0.1:41234/client/v4` (what `K8ZNER_CLOUDFLARE_URL` should be). */
  readonly url: string;
  /** The token it accepts. */
  readonly token: string;
  addZone(name: string): FakeZone;
  /** Adds a record to a zone (as external-dns or a person would have created it). */
  addRecord(zoneId: string, record: { type: string; name: string; content: string; ttl?: number }): FakeDnsRecord;
  /** The records of a zone now, in creation order. */
  records(zoneId: string): FakeDnsRecord[];
  /** The zones, in creation order. */
  zones(): FakeZone[];
  readonly requests: readonly FakeCloudflareRequest[];
  /** Makes the next `count` requests answer `status` (429 with `Retry-After: 3`, or a 5xx) and do nothing. */
  failNext(status: number, count?: number): void;
  close(): Promise<void>;
}

/** Options of {@link startCloudflareFake}. */
export interface CloudflareFakeOptions {
  token: string;
  hostname?: string;
  /** Clock of `created_on`/`modified_on` (default: a fixed 2026-01-01). */
  now?: () => Date;
}

const BASE_PATH = "/client/v4";

/** Starts the fake on a free port. */
export async function startCloudflareFake(options: CloudflareFakeOptions): Promise<CloudflareFake> {
  const zones = new Map<string, FakeZone>();
  const records = new Map<string, FakeDnsRecord[]>();
  const requests: FakeCloudflareRequest[] = [];
  const failures: number[] = [];
  let nextId = 1;
  const newId = () => (nextId++).toString(16).padStart(32, "0");
  const now = options.now ?? (() => new Date("2026-01-01T00:00:00Z"));

  const create = (
    zoneId: string,
    r: { type: string; name: string; content: string; ttl?: number; proxied?: boolean },
  ) => {
    const time = now().toISOString();
    const record: FakeDnsRecord = {
      id: newId(),
      type: r.type,
      name: r.name.toLowerCase(),
      content: r.content,
      ttl: r.ttl ?? 1,
      proxied: r.proxied ?? false,
      proxiable: ["A", "AAAA", "CNAME"].includes(r.type),
      comment: null,
      tags: [],
      settings: {},
      meta: {},
      created_on: time,
      modified_on: time,
    };
    records.get(zoneId)!.push(record);
    return record;
  };

  const handle = (req: Request, body: unknown): Response => {
    const url = new URL(req.url);
    const path = url.pathname;
    const failure = failures.shift();
    if (failure === 429) return failed(429, 971, "Please wait and consider throttling your request speed", "3");
    if (failure !== undefined) return failed(failure, 10000, "Internal error, please try again later");
    const auth = req.headers.get("authorization");
    if (auth !== `Bearer ${options.token}`) return failed(403, 10000, "Authentication error");
    if (!path.startsWith(`${BASE_PATH}/`)) return failed(404, 7000, "No route for that URI");
    const parts = path.slice(BASE_PATH.length + 1).split("/");
    if (req.method === "GET" && parts.length === 1 && parts[0] === "zones") {
      const name = url.searchParams.get("name");
      const list = [...zones.values()].filter((z) => name === null || z.name === name.toLowerCase());
      return page(list, url.searchParams, PER_PAGE.zones);
    }
    if (parts[0] !== "zones" || parts[2] !== "dns_records" || parts.length > 4) {
      return failed(404, 7000, "No route for that URI");
    }
    const zoneId = parts[1]!;
    const zoneRecords = records.get(zoneId);
    if (zoneRecords === undefined) return failed(404, 7003, "Could not route to /zones/" + zoneId);
    if (req.method === "GET" && parts.length === 3) return page(zoneRecords, url.searchParams, PER_PAGE.dnsRecords);
    if (req.method === "POST" && parts.length === 3) {
      const zone = zones.get(zoneId)!;
      const problem = recordProblem(body);
      if (problem) return failed(400, problem.code, problem.message);
      const r = normalized(body as RecordBody, zone.name);
      if (zoneRecords.some((x) => x.type === r.type && x.name === r.name && x.content === r.content)) {
        return failed(400, 81058, "An identical record already exists.");
      }
      return ok(create(zoneId, r));
    }
    if (req.method === "PATCH" && parts.length === 4) {
      const record = zoneRecords.find((x) => x.id === parts[3]);
      if (!record) return failed(404, 81044, "Record does not exist.");
      const zone = zones.get(zoneId)!;
      const merged = { ...record, ...(body as object) };
      const problem = recordProblem(merged);
      if (problem) return failed(400, problem.code, problem.message);
      Object.assign(record, normalized(merged as RecordBody, zone.name), { modified_on: now().toISOString() });
      return ok(record);
    }
    if (req.method === "DELETE" && parts.length === 4) {
      const i = zoneRecords.findIndex((r) => r.id === parts[3]);
      if (i < 0) return failed(404, 81044, "Record does not exist.");
      zoneRecords.splice(i, 1);
      return ok({ id: parts[3] });
    }
    return failed(405, 10000, `Method ${req.method} not allowed here`);
  };

  const { promise: listening, resolve } = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve({
    hostname: options.hostname ?? "127.0.0.1",
    port: 0,
    onListen: (addr) => resolve(addr as Deno.NetAddr),
  }, async (req) => {
    let body: unknown;
    const text = await req.text();
    try {
      body = text === "" ? undefined : JSON.parse(text);
    } catch {
      body = Symbol("malformed");
    }
    const res = typeof body === "symbol" ? failed(400, 9207, "Request body is invalid.") : handle(req, body);
    const url = new URL(req.url);
    requests.push({
      method: req.method,
      path: url.pathname.slice(BASE_PATH.length),
      query: Object.fromEntries(url.searchParams),
      status: res.status,
    });
    return res;
  });
  const addr = await listening;

  const fake: CloudflareFake = {
    url: `http://${addr.hostname}:${addr.port}${BASE_PATH}`,
    token: options.token,
    addZone(name) {
      const zone: FakeZone = { id: newId(), name: name.toLowerCase(), status: "active" };
      zones.set(zone.id, zone);
      records.set(zone.id, []);
      return zone;
    },
    addRecord(zoneId, r) {
      if (!records.has(zoneId)) throw new RangeError(`Cannot add a record to zone ${zoneId}: no such zone`);
      return create(zoneId, r);
    },
    records: (zoneId) => [...(records.get(zoneId) ?? [])],
    zones: () => [...zones.values()],
    requests,
    failNext(status, count = 1) {
      for (let i = 0; i < count; i++) failures.push(status);
    },
    close: () => server.shutdown(),
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
  return fake;
}

/** The fields of a record create or patch body the fake reads. */
interface RecordBody {
  type: string;
  name: string;
  content: string;
  ttl?: number;
  proxied?: boolean;
}

const RECORD_TYPES = ["A", "AAAA", "CNAME", "TXT", "MX", "NS", "SRV", "CAA"];

/** Why Cloudflare would refuse this record body ; undefined when it would take it. */
function recordProblem(body: unknown): { code: number; message: string } | undefined {
  const b = (body ?? {}) as Partial<Record<keyof RecordBody, unknown>>;
  if (typeof b.type !== "string" || !RECORD_TYPES.includes(b.type)) {
    return { code: 9000, message: "DNS record type is invalid." };
  }
  if (typeof b.name !== "string" || b.name.trim() === "") return { code: 9005, message: "DNS name is invalid." };
  if (typeof b.content !== "string" || b.content === "") return { code: 9006, message: "Content is invalid." };
  if (b.type === "A" && !/^(\d{1,3})(\.\d{1,3}){3}$/.test(b.content)) {
    return { code: 9005, message: "Content for A record must be a valid IPv4 address." };
  }
  if (b.type === "AAAA" && !isIpv6(b.content)) {
    return { code: 9005, message: "Content for AAAA record must be a valid IPv6 address." };
  }
  if (
    b.ttl !== undefined && !(b.ttl === 1 || (Number.isInteger(b.ttl) && Number(b.ttl) >= 60 && Number(b.ttl) <= 86400))
  ) {
    return { code: 9021, message: "Invalid TTL. Must be between 60 and 86400 seconds, or 1 for Automatic." };
  }
  if (b.proxied === true && !["A", "AAAA", "CNAME"].includes(b.type)) {
    return { code: 9004, message: "This record type cannot be proxied." };
  }
  return undefined;
}

/** A textual IPv6 address: eight groups of 1-4 hex digits, or fewer around one `::`. */
function isIpv6(text: string): boolean {
  const halves = text.split("::");
  if (halves.length > 2) return false;
  const groups = halves.flatMap((h) => h === "" ? [] : h.split(":"));
  if (!groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  return halves.length === 2 ? groups.length < 8 : groups.length === 8;
}

/** `@` is the apex; a name not ending in the zone's is taken as relative to it and gets it appended. */
function fullName(name: string, zone: string): string {
  const n = name.toLowerCase().replace(/\.$/, "");
  if (n === "@") return zone;
  return n === zone || n.endsWith(`.${zone}`) ? n : `${n}.${zone}`;
}

function normalized(b: RecordBody, zone: string): RecordBody {
  return {
    type: b.type,
    name: fullName(b.name, zone),
    content: b.content,
    ...(b.ttl === undefined ? {} : { ttl: b.ttl }),
    ...(b.proxied === undefined ? {} : { proxied: b.proxied }),
  };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

function ok(result: unknown): Response {
  return json(200, { success: true, errors: [], messages: [], result });
}

function failed(status: number, code: number, message: string, retryAfter?: string): Response {
  const body = { success: false, errors: [{ code, message }], messages: [], result: null };
  return json(status, body, retryAfter === undefined ? {} : { "retry-after": retryAfter });
}

/** One page of `items` after checking `page`/`per_page` against the list's bounds. */
function page<T>(items: T[], params: URLSearchParams, bounds: { min: number; max: number; default: number }): Response {
  const number = (key: string, fallback: number): number | undefined => {
    const raw = params.get(key);
    if (raw === null) return fallback;
    return /^\d+$/.test(raw) ? Number(raw) : undefined;
  };
  const perPage = number("per_page", bounds.default);
  const current = number("page", 1);
  if (perPage === undefined || perPage < bounds.min || perPage > bounds.max) {
    return failed(400, 1004, `per_page must be a number from ${bounds.min} to ${bounds.max}`);
  }
  if (current === undefined || current < 1) return failed(400, 1004, "page must be a number of at least 1");
  const slice = items.slice((current - 1) * perPage, current * perPage);
  return json(200, {
    success: true,
    errors: [],
    messages: [],
    result: slice,
    result_info: {
      page: current,
      per_page: perPage,
      count: slice.length,
      total_count: items.length,
      total_pages: Math.ceil(items.length / perPage),
    },
  });
}
