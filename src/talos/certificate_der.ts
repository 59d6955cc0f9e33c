/**
 * Reads an X.509 certificate's DER (RFC 5280 section 4.1) without `@peculiar/x509`: that package and its
 * CommonJS dependencies cost a quarter of a CLI run's start-up, while every run reads certificates (the
 * secrets bundle's CAs, the client configs) and only a first run or a renewal issues one. Names, serial
 * numbers and IP addresses are written as `@peculiar/x509` 2.2 writes them, so certificates read here and
 * certificates read there compare equal (`pki_test.ts` checks the two side by side).
 *
 * @module
 */

/** One attribute of a distinguished name, e.g. `{ type: "CN", value: "admin" }`. */
export interface NameAttribute {
  /** Short name (`CN`, `O`, …) or dotted OID for others. */
  type: string;
  /** The string, or hex of the DER value (`#`-less) for non-string values. */
  value: string;
  /** True when `value` is hex of a non-string DER value. */
  hex: boolean;
}

/** A distinguished name: relative distinguished names in certificate order, each a set of attributes. */
export type DistinguishedName = NameAttribute[][];

/** A certificate extension. */
export interface CertificateExtension {
  oid: string;
  critical: boolean;
  /** Contents of `extnValue`: the extension's own DER. */
  value: Uint8Array<ArrayBuffer>;
}

/** What a certificate's DER holds, undecoded where callers need the bytes. */
export interface CertificateDer {
  /** `tbsCertificate`, the signed bytes (tag and length included). */
  tbs: Uint8Array<ArrayBuffer>;
  signatureAlgorithmOid: string;
  /** Contents of `signatureValue` after the unused-bits byte. */
  signature: Uint8Array<ArrayBuffer>;
  /** The serial number's integer bytes as encoded. */
  serial: Uint8Array<ArrayBuffer>;
  issuer: DistinguishedName;
  subject: DistinguishedName;
  notBefore: Date;
  notAfter: Date;
  /** `subjectPublicKeyInfo`, tag and length included (what WebCrypto imports as `spki`). */
  spki: Uint8Array<ArrayBuffer>;
  publicKeyAlgorithmOid: string;
  /** The named curve's OID for EC keys. */
  publicKeyCurveOid: string | undefined;
  extensions: CertificateExtension[];
}

/** OIDs this module and `pki.ts` look for. */
export const OID = {
  ed25519: "1.3.101.112",
  ecPublicKey: "1.2.840.10045.2.1",
  p256: "1.2.840.10045.3.1.7",
  p384: "1.3.132.0.34",
  p521: "1.3.132.0.35",
  rsaEncryption: "1.2.840.113549.1.1.1",
  ecdsaSha256: "1.2.840.10045.4.3.2",
  ecdsaSha384: "1.2.840.10045.4.3.3",
  ecdsaSha512: "1.2.840.10045.4.3.4",
  rsaSha256: "1.2.840.113549.1.1.11",
  rsaSha384: "1.2.840.113549.1.1.12",
  rsaSha512: "1.2.840.113549.1.1.13",
  basicConstraints: "2.5.29.19",
  subjectAltName: "2.5.29.17",
} as const;

/** Short names `@peculiar/x509` gives attribute types. */
const NAME_TYPES: Record<string, string> = {
  "2.5.4.3": "CN",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.6": "C",
  "0.9.2342.19200300.100.1.25": "DC",
  "1.2.840.113549.1.9.1": "E",
  "2.5.4.42": "G",
  "2.5.4.43": "I",
  "2.5.4.4": "SN",
  "2.5.4.12": "T",
};

const TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  oid: 0x06,
  utf8String: 0x0c,
  printableString: 0x13,
  teletexString: 0x14,
  ia5String: 0x16,
  utcTime: 0x17,
  generalizedTime: 0x18,
  universalString: 0x1c,
  bmpString: 0x1e,
  sequence: 0x30,
  set: 0x31,
} as const;

interface Tlv {
  tag: number;
  /** Offset of the tag byte. */
  start: number;
  /** Offset of the first content byte. */
  contentStart: number;
  /** Offset just past the content. */
  end: number;
}

/** Parses a certificate's DER. Throws `TypeError` when the bytes are not one. */
export function readCertificateDer(der: Uint8Array<ArrayBuffer>): CertificateDer {
  const cert = readTlv(der, 0, TAG.sequence);
  if (cert.end !== der.length) throw new TypeError("Cannot read certificate: trailing bytes after the DER");
  const [tbsTlv, sigAlgTlv, sigTlv] = children(der, cert, 3);
  const tbs = tbsTlv!;
  expectTag(tbs, TAG.sequence);
  const fields = children(der, tbs);
  let i = 0;
  if (fields[i]?.tag === 0xa0) i++; // version [0] EXPLICIT
  const serialTlv = expectTag(fields[i++], TAG.integer);
  expectTag(fields[i++], TAG.sequence); // signature AlgorithmIdentifier, repeated outside
  const issuerTlv = expectTag(fields[i++], TAG.sequence);
  const validity = children(der, expectTag(fields[i++], TAG.sequence), 2);
  const subjectTlv = expectTag(fields[i++], TAG.sequence);
  const spkiTlv = expectTag(fields[i++], TAG.sequence);
  let extensions: CertificateExtension[] = [];
  for (; i < fields.length; i++) {
    if (fields[i]!.tag === 0xa3) extensions = readExtensions(der, children(der, fields[i]!, 1)[0]!);
  }
  const [keyAlgTlv, keyBitsTlv] = children(der, spkiTlv, 2);
  expectTag(keyBitsTlv, TAG.bitString);
  const keyAlg = children(der, expectTag(keyAlgTlv, TAG.sequence));
  const keyAlgOid = readOid(der, expectTag(keyAlg[0], TAG.oid));
  const signature = expectTag(sigTlv, TAG.bitString);
  if (der[signature.contentStart] !== 0) throw new TypeError("Cannot read certificate: signature has unused bits");
  return {
    tbs: der.slice(tbs.start, tbs.end),
    signatureAlgorithmOid: readOid(der, expectTag(children(der, expectTag(sigAlgTlv, TAG.sequence))[0], TAG.oid)),
    signature: der.slice(signature.contentStart + 1, signature.end),
    serial: der.slice(serialTlv.contentStart, serialTlv.end),
    issuer: readName(der, issuerTlv),
    subject: readName(der, subjectTlv),
    notBefore: readTime(der, validity[0]!),
    notAfter: readTime(der, validity[1]!),
    spki: der.slice(spkiTlv.start, spkiTlv.end),
    publicKeyAlgorithmOid: keyAlgOid,
    publicKeyCurveOid: keyAlg[1]?.tag === TAG.oid ? readOid(der, keyAlg[1]) : undefined,
    extensions,
  };
}

/** Reads `BasicConstraints.cA` (RFC 5280 4.2.1.9). */
export function readBasicConstraintsCa(value: Uint8Array<ArrayBuffer>): boolean {
  const seq = readTlv(value, 0, TAG.sequence);
  const first = children(value, seq)[0];
  if (first?.tag !== TAG.boolean) return false;
  return value[first.contentStart] !== 0;
}

/** The DNS names and IP addresses of a `SubjectAltName` extension (RFC 5280 4.2.1.6), in order. */
export function readSubjectAltNames(value: Uint8Array<ArrayBuffer>): { dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  for (const name of children(value, readTlv(value, 0, TAG.sequence))) {
    const bytes = value.subarray(name.contentStart, name.end);
    if (name.tag === 0x82) dnsNames.push(latin1(bytes)); // dNSName [2] IA5String
    else if (name.tag === 0x87) ipAddresses.push(formatIp(bytes)); // iPAddress [7] OCTET STRING
  }
  return { dnsNames, ipAddresses };
}

/** A name as `@peculiar/x509` writes it: RDNs in certificate order joined by `, `, attributes of one RDN by `+`. */
export function formatName(name: DistinguishedName): string {
  return name.map((rdn) => rdn.map((a) => `${a.type}=${a.hex ? `#${a.value}` : escapeValue(a.value)}`).join("+"))
    .join(", ");
}

/** Serial number as lowercase hex, without the sign byte DER adds before a high bit. */
export function formatSerial(serial: Uint8Array): string {
  const bytes = serial.length > 1 && serial[0] === 0x00 && serial[1]! > 0x7f ? serial.subarray(1) : serial;
  return hex(bytes);
}

// Mirrors @peculiar/x509's escape(), including that it replaces only the first CR, LF or tab.
/**
 * An ECDSA signature as X.509 carries it (DER `SEQUENCE { r, s }`) in the form WebCrypto verifies: `r || s`, each
 * `size` bytes (32, 48 or 66 for P-256, P-384, P-521). Throws `TypeError` when it is not one.
 */
export function readEcdsaSignature(der: Uint8Array<ArrayBuffer>, size: number): Uint8Array<ArrayBuffer> {
  const seq = readTlv(der, 0, TAG.sequence);
  const parts = children(der, seq, 2);
  if (parts.length !== 2) throw new TypeError("Cannot read ECDSA signature: expected r and s");
  const out = new Uint8Array(size * 2);
  parts.forEach((part, i) => {
    let value = der.subarray(expectTag(part, TAG.integer).contentStart, part.end);
    while (value.length > size && value[0] === 0) value = value.subarray(1);
    if (value.length > size) throw new TypeError("Cannot read ECDSA signature: integer too long for the curve");
    out.set(value, i * size + size - value.length);
  });
  return out;
}

function escapeValue(data: string): string {
  return data
    .replace(/([,+"\\<>;])/g, "\\$1")
    .replace(/^([ #])/, "\\$1")
    .replace(/([ ]$)/, "\\$1")
    .replace(/([\r\n\t])/, (c) => `\\${hex(new TextEncoder().encode(c)).toUpperCase()}`);
}

function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join(".");
  if (bytes.length === 16) return formatIpv6(bytes);
  if (bytes.length === 8 || bytes.length === 32) {
    const half = bytes.length / 2;
    if (bytes.every((b) => b === 0)) return half === 4 ? "0.0.0.0/0" : "::/0";
    const prefix = Array.from(bytes.subarray(half)).reduce((n, b) => n + (b.toString(2).match(/1/g)?.length ?? 0), 0);
    const addr = half === 4 ? Array.from(bytes.subarray(0, half)).join(".") : formatIpv6(bytes.subarray(0, half));
    return `${addr}/${prefix}`;
  }
  return hex(bytes);
}

/** RFC 5952 style: lowercase groups, the longest run of two or more zero groups as `::`. */
function formatIpv6(bytes: Uint8Array): string {
  const parts: string[] = [];
  for (let i = 0; i < 16; i += 2) parts.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  let bestStart = -1, bestLength = 0, start = -1, length = 0;
  for (let i = 0; i <= parts.length; i++) {
    if (i < parts.length && parts[i] === "0") {
      if (start === -1) start = i;
      length++;
    } else {
      if (length > bestLength) [bestStart, bestLength] = [start, length];
      start = -1;
      length = 0;
    }
  }
  if (bestLength < 2) return parts.join(":");
  return `${parts.slice(0, bestStart).join(":")}::${parts.slice(bestStart + bestLength).join(":")}`;
}

function readExtensions(der: Uint8Array<ArrayBuffer>, seq: Tlv): CertificateExtension[] {
  return children(der, expectTag(seq, TAG.sequence)).map((ext) => {
    const parts = children(der, expectTag(ext, TAG.sequence));
    const oid = readOid(der, expectTag(parts[0], TAG.oid));
    const critical = parts[1]?.tag === TAG.boolean ? der[parts[1].contentStart] !== 0 : false;
    const value = expectTag(parts[parts.length - 1], TAG.octetString);
    return { oid, critical, value: der.slice(value.contentStart, value.end) };
  });
}

function readName(der: Uint8Array<ArrayBuffer>, seq: Tlv): DistinguishedName {
  return children(der, seq).map((rdn) =>
    children(der, expectTag(rdn, TAG.set)).map((attr) => {
      const [typeTlv, valueTlv] = children(der, expectTag(attr, TAG.sequence), 2);
      const oid = readOid(der, expectTag(typeTlv, TAG.oid));
      const text = readString(der, valueTlv!);
      const type = NAME_TYPES[oid] ?? oid;
      return text === undefined
        ? { type, value: hex(der.subarray(valueTlv!.start, valueTlv!.end)), hex: true }
        : { type, value: text, hex: false };
    })
  );
}

/** The string types a name's attribute may hold, decoded as `@peculiar/asn1-schema` does; undefined for others. */
function readString(der: Uint8Array, tlv: Tlv): string | undefined {
  const bytes = der.subarray(tlv.contentStart, tlv.end);
  switch (tlv.tag) {
    case TAG.utf8String:
      return new TextDecoder("utf-8").decode(bytes);
    case TAG.printableString:
    case TAG.teletexString:
    case TAG.ia5String:
      return latin1(bytes);
    case TAG.bmpString:
      return new TextDecoder("utf-16be").decode(bytes);
    case TAG.universalString: {
      if (bytes.length % 4 !== 0) throw new TypeError("Cannot read certificate: bad UniversalString");
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
      let text = "";
      for (let i = 0; i < bytes.length; i += 4) text += String.fromCodePoint(view.getUint32(i));
      return text;
    }
    default:
      return undefined;
  }
}

function readTime(der: Uint8Array, tlv: Tlv): Date {
  const text = latin1(der.subarray(tlv.contentStart, tlv.end));
  let match: RegExpExecArray | null;
  let year: number;
  if (tlv.tag === TAG.utcTime) {
    match = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)()Z$/.exec(text);
    if (match) year = Number(match[1]) < 50 ? 2000 + Number(match[1]) : 1900 + Number(match[1]);
  } else if (tlv.tag === TAG.generalizedTime) {
    match = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(?:\.(\d+))?Z$/.exec(text);
    if (match) year = Number(match[1]);
  } else {
    throw new TypeError("Cannot read certificate: validity is not a UTCTime or GeneralizedTime");
  }
  if (!match) throw new TypeError(`Cannot read certificate: bad time "${text}"`);
  const [, , mo, d, h, mi, s, fraction] = match;
  const ms = fraction ? Math.floor(Number(`0.${fraction}`) * 1000) : 0;
  return new Date(Date.UTC(year!, Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms));
}

function readOid(der: Uint8Array, tlv: Tlv): string {
  const parts: number[] = [];
  let value = 0;
  for (let i = tlv.contentStart; i < tlv.end; i++) {
    value = value * 128 + (der[i]! & 0x7f);
    if ((der[i]! & 0x80) === 0) {
      if (parts.length === 0) parts.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      else parts.push(value);
      value = 0;
    }
  }
  if (parts.length === 0 || (der[tlv.end - 1]! & 0x80) !== 0) throw new TypeError("Cannot read certificate: bad OID");
  return parts.join(".");
}

function children(der: Uint8Array, parent: Tlv, count?: number): Tlv[] {
  const out: Tlv[] = [];
  for (let offset = parent.contentStart; offset < parent.end;) {
    const tlv = readTlv(der, offset);
    if (tlv.end > parent.end) throw new TypeError("Cannot read certificate: element overruns its parent");
    out.push(tlv);
    offset = tlv.end;
  }
  if (count !== undefined && out.length < count) {
    throw new TypeError(`Cannot read certificate: expected ${count} elements, found ${out.length}`);
  }
  return out;
}

function readTlv(der: Uint8Array, offset: number, tag?: number): Tlv {
  if (offset + 2 > der.length) throw new TypeError("Cannot read certificate: truncated DER");
  const t = der[offset]!;
  if ((t & 0x1f) === 0x1f) throw new TypeError("Cannot read certificate: multi-byte tags are not used in X.509");
  let length = der[offset + 1]!;
  let contentStart = offset + 2;
  if (length & 0x80) {
    const n = length & 0x7f;
    if (n === 0 || n > 4) throw new TypeError("Cannot read certificate: unsupported DER length");
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + der[contentStart + i]!;
    contentStart += n;
  }
  const end = contentStart + length;
  if (end > der.length || Number.isNaN(end)) throw new TypeError("Cannot read certificate: truncated DER");
  const tlv = { tag: t, start: offset, contentStart, end };
  if (tag !== undefined) expectTag(tlv, tag);
  return tlv;
}

function expectTag(tlv: Tlv | undefined, tag: number): Tlv {
  if (tlv?.tag !== tag) {
    throw new TypeError(`Cannot read certificate: expected tag 0x${tag.toString(16)}, found ${tlv?.tag.toString(16)}`);
  }
  return tlv;
}

function latin1(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
