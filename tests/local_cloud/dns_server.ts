/**
 * A DNS server standing in for the public resolvers a user's machine asks: UDP on a loopback address,
 * answering A and AAAA questions from an injected lookup (the local cloud's: the Cloudflare fake's
 * records), NXDOMAIN for a name with no record of any type, an empty NOERROR answer (NODATA) for a
 * name that exists without records of the asked type. Other opcodes get NOTIMP, malformed queries
 * FORMERR. Only the wire encoding of RFC 1035 §4 that a stub resolver needs: one question, no
 * compression in queries, answers pointing back at the question name (0xC00C).
 *
 * `k8zner doctor` uses it through `K8ZNER_DNS_SERVER=<ip>:<port>` (Deno.resolveDns's `nameServer`).
 *
 * @module
 */
import dgram from "node:dgram";

/** A record the server can answer with. */
export interface DnsAnswerRecord {
  type: string;
  content: string;
}

/** Records named exactly `name` (lower case, no trailing dot), of every type; [] when none. */
export type DnsLookup = (name: string) => DnsAnswerRecord[];

/** A running server. */
export interface DnsServer extends AsyncDisposable {
  readonly hostname: string;
  readonly port: number;
  /** `<ip>:<port>`, the value of `K8ZNER_DNS_SERVER`. */
  readonly address: string;
  close(): Promise<void>;
}

const TYPE = { A: 1, AAAA: 28 } as const;
const CLASS_IN = 1;
const RCODE = { NOERROR: 0, FORMERR: 1, NXDOMAIN: 3, NOTIMP: 4 } as const;
/** Seconds resolvers may cache an answer: short, as records change while a test runs. */
const TTL = 5;

/** A parsed query: its id, flags, the question name and type, and where the question ends. */
export interface DnsQuery {
  id: number;
  flags: number;
  name: string;
  qtype: number;
  qclass: number;
  questionEnd: number;
}

/** Parses a query message; undefined when it is not one question we can read. Pure. */
export function parseQuery(msg: Uint8Array): DnsQuery | undefined {
  if (msg.length < 12) return undefined;
  const view = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
  const id = view.getUint16(0);
  const flags = view.getUint16(2);
  if (flags & 0x8000 || view.getUint16(4) !== 1) return undefined;
  const labels: string[] = [];
  let at = 12;
  for (;;) {
    const len = msg[at];
    if (len === undefined || len > 63) return undefined;
    at += 1;
    if (len === 0) break;
    if (at + len > msg.length) return undefined;
    labels.push(new TextDecoder().decode(msg.subarray(at, at + len)));
    at += len;
  }
  if (at + 4 > msg.length) return undefined;
  return {
    id,
    flags,
    name: labels.join(".").toLowerCase(),
    qtype: view.getUint16(at),
    qclass: view.getUint16(at + 2),
    questionEnd: at + 4,
  };
}

/** The answer to `msg` from `lookup`; undefined for a message not worth an answer (a response, too short). Pure. */
export function answerQuery(msg: Uint8Array, lookup: DnsLookup): Uint8Array | undefined {
  if (msg.length < 12 || msg[2]! & 0x80) return undefined;
  const query = parseQuery(msg);
  const opcode = (msg[2]! >> 3) & 0x0f;
  if (query === undefined) return header(new DataView(msg.buffer, msg.byteOffset).getUint16(0), msg[2]!, RCODE.FORMERR);
  if (opcode !== 0) return header(query.id, msg[2]!, RCODE.NOTIMP);
  const records = lookup(query.name);
  const type = query.qtype === TYPE.A ? "A" : query.qtype === TYPE.AAAA ? "AAAA" : undefined;
  const answers = query.qclass === CLASS_IN && type
    ? records.filter((r) => r.type === type).map((r) => rdata(type, r.content)).filter((d) => d !== undefined)
    : [];
  const rcode = records.length === 0 ? RCODE.NXDOMAIN : RCODE.NOERROR;
  const head = header(query.id, msg[2]!, rcode, answers.length);
  const question = msg.subarray(12, query.questionEnd);
  const parts: Uint8Array[] = [head, question];
  for (const data of answers) {
    const rr = new Uint8Array(12 + data.length);
    const v = new DataView(rr.buffer);
    v.setUint16(0, 0xc00c); // pointer to the question name
    v.setUint16(2, query.qtype);
    v.setUint16(4, CLASS_IN);
    v.setUint32(6, TTL);
    v.setUint16(10, data.length);
    rr.set(data, 12);
    parts.push(rr);
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * A response header: QR and AA set, the query's opcode and RD kept, RA clear (no recursion here); the
 * question is echoed (QDCOUNT 1) except for FORMERR, which has none.
 */
function header(id: number, queryFlagsHigh: number, rcode: number, ancount = 0): Uint8Array {
  const h = new Uint8Array(12);
  const v = new DataView(h.buffer);
  v.setUint16(0, id);
  h[2] = 0x80 | (queryFlagsHigh & 0x79) | 0x04;
  h[3] = rcode;
  v.setUint16(4, rcode === RCODE.FORMERR ? 0 : 1);
  v.setUint16(6, ancount);
  return h;
}

/** The RDATA of an A or AAAA record; undefined when the content is not such an address. */
export function rdata(type: "A" | "AAAA", content: string): Uint8Array | undefined {
  if (type === "A") {
    const octets = content.split(".");
    if (octets.length !== 4 || !octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255)) return undefined;
    return new Uint8Array(octets.map(Number));
  }
  return ipv6Bytes(content);
}

function ipv6Bytes(text: string): Uint8Array | undefined {
  const halves = text.toLowerCase().split("::");
  if (halves.length > 2) return undefined;
  const groups = (s: string) => s === "" ? [] : s.split(":");
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || (halves.length === 2 && missing < 1)) return undefined;
  const all = [...head, ...Array(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (!all.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return undefined;
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    const n = parseInt(g, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  });
  return out;
}

/** Starts the server on `hostname` (default 127.0.0.1) and a free UDP port. */
export async function startDnsServer(lookup: DnsLookup, options: { hostname?: string } = {}): Promise<DnsServer> {
  const hostname = options.hostname ?? "127.0.0.1";
  // node:dgram: Deno.listenDatagram still needs --unstable-net in Deno 2.9.
  const socket = dgram.createSocket("udp4");
  socket.on("message", (msg: Uint8Array, rinfo: { address: string; port: number }) => {
    const reply = answerQuery(new Uint8Array(msg), lookup);
    if (reply) socket.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(0, hostname, () => resolve());
  });
  const port = socket.address().port;
  let closed: Promise<void> | undefined;
  const close = () => closed ??= new Promise<void>((resolve) => socket.close(() => resolve()));
  return { hostname, port, address: `${hostname}:${port}`, close, [Symbol.asyncDispose]: close };
}
