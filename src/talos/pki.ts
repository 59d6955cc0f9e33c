/**
 * The small certificate authority k8zner needs for Talos and Kubernetes: self-signed CAs
 * (Ed25519 for the Talos OS CA, ECDSA P-256 for Kubernetes, etcd and the aggregator) and
 * leaf certificates issued from them, with WebCrypto and `@peculiar/x509`.
 *
 * Keys travel as PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), the form OpenSSL, `node:tls` and
 * `node:http2` read. Talos writes its own files with other PEM headers ("ED25519 PRIVATE KEY"
 * around PKCS#8, "EC PRIVATE KEY" around SEC1, see siderolabs/crypto `x509/key.go`);
 * {@linkcode toTalosKeyPem} and {@linkcode toPkcs8KeyPem} convert between the two.
 *
 * The clock (`notBefore`) and the source of serial numbers are injected; key material comes from
 * WebCrypto, which cannot take a seed.
 *
 * Reading and checking certificates (every CLI run does) uses `certificate_der.ts` and WebCrypto;
 * only issuing one loads `@peculiar/x509`, on first use: with its CommonJS dependencies it was a
 * quarter of the CPU an `apply` or `plan` spent starting up.
 *
 * @module
 */
import type * as X509 from "@peculiar/x509";
import { Buffer } from "node:buffer";
import { createPrivateKey } from "node:crypto";
import {
  type CertificateDer,
  formatName,
  formatSerial,
  OID,
  readBasicConstraintsCa,
  readCertificateDer,
  readEcdsaSignature,
  readSubjectAltNames,
} from "./certificate_der.ts";

/** The key algorithms k8zner uses: Ed25519 (Talos OS CA) and ECDSA on P-256 (Kubernetes, etcd). */
export type KeyAlgorithm = "Ed25519" | "ECDSA-P256";

/** Fills the array with random bytes and returns it, like `crypto.getRandomValues`. */
export type RandomSource = (bytes: Uint8Array) => Uint8Array;

/** The default random source: WebCrypto. */
export const cryptoRandom: RandomSource = (bytes) => crypto.getRandomValues(bytes);

/** A certificate authority: its certificate and its PKCS#8 private key, both PEM. */
export interface CertificateAuthority {
  certPem: string;
  /** PKCS#8 PEM (`BEGIN PRIVATE KEY`). */
  keyPem: string;
}

/** A certificate and its PKCS#8 private key, both PEM. */
export interface CertificateAndKey {
  certPem: string;
  /** PKCS#8 PEM (`BEGIN PRIVATE KEY`). */
  keyPem: string;
}

/** Options of {@linkcode generateCa}. */
export interface CaOptions {
  algorithm: KeyAlgorithm;
  commonName: string;
  organization?: string;
  /** Start of validity; the injected clock. */
  notBefore: Date;
  validityDays: number;
  /** Source of the serial number; WebCrypto by default. */
  random?: RandomSource;
}

/** What a leaf certificate may be used for: TLS client, TLS server, or both. */
export type CertificateUsage = "client" | "server" | "both";

/** Options of {@linkcode issueCertificate}. */
export interface IssueOptions {
  /** Algorithm of the new key pair (independent of the CA's). */
  algorithm: KeyAlgorithm;
  commonName: string;
  /** Subject organizations, e.g. `["os:admin"]` or `["system:masters"]`. */
  organization?: string[];
  dnsNames?: string[];
  ipAddresses?: string[];
  usage: CertificateUsage;
  notBefore: Date;
  validityDays: number;
  random?: RandomSource;
}

/** The facts of a certificate callers check. */
export interface CertificateInfo {
  /** The subject as a distinguished name string in certificate order, e.g. `O=os:admin, CN=admin`. */
  subject: string;
  commonName: string | undefined;
  organizations: string[];
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  isCa: boolean;
  dnsNames: string[];
  ipAddresses: string[];
  /** Hexadecimal serial number. */
  serialNumber: string;
  keyAlgorithm: KeyAlgorithm;
}

const DAY_MS = 24 * 60 * 60 * 1000;

const KEY_PARAMS: Record<KeyAlgorithm, EcKeyImportParams | Algorithm> = {
  "Ed25519": { name: "Ed25519" },
  "ECDSA-P256": { name: "ECDSA", namedCurve: "P-256" } as EcKeyImportParams,
};

const SIGNING_PARAMS: Record<KeyAlgorithm, Algorithm | EcdsaParams> = {
  "Ed25519": { name: "Ed25519" },
  "ECDSA-P256": { name: "ECDSA", hash: "SHA-256" } as EcdsaParams,
};

/** Creates a self-signed CA valid for `validityDays` from `notBefore`. */
export async function generateCa(options: CaOptions): Promise<CertificateAuthority> {
  checkValidity(options.notBefore, options.validityDays);
  if (!options.commonName) throw new TypeError("Cannot generate CA: commonName is empty");
  const x509 = await loadX509();
  const keys = await generateKeyPair(options.algorithm);
  const name = jsonName(options.commonName, options.organization === undefined ? [] : [options.organization]);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(options.random ?? cryptoRandom),
    subject: name,
    issuer: name,
    notBefore: options.notBefore,
    notAfter: new Date(options.notBefore.getTime() + options.validityDays * DAY_MS),
    signingAlgorithm: SIGNING_PARAMS[options.algorithm],
    publicKey: keys.publicKey,
    signingKey: keys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      // Talos CAs carry both purposes too; Go verifies EKU nesting along the chain.
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString("pem") + "\n", keyPem: await exportPkcs8Pem(keys.privateKey) };
}

/** Issues a leaf certificate with a fresh key pair, signed by `ca`. */
export async function issueCertificate(ca: CertificateAuthority, options: IssueOptions): Promise<CertificateAndKey> {
  checkValidity(options.notBefore, options.validityDays);
  if (!options.commonName) throw new TypeError("Cannot issue certificate: commonName is empty");
  const x509 = await loadX509();
  const caCert = new x509.X509Certificate(ca.certPem);
  const caAlgorithm = keyAlgorithmOf(readCertificateDer(new Uint8Array(caCert.rawData)));
  const caKey = await importPkcs8(toPkcs8KeyPem(ca.keyPem), caAlgorithm);
  const keys = await generateKeyPair(options.algorithm);
  const extensions: X509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(
      options.algorithm === "Ed25519"
        ? x509.KeyUsageFlags.digitalSignature
        : x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
      true,
    ),
    new x509.ExtendedKeyUsageExtension(extendedKeyUsages(x509, options.usage)),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
  ];
  const sans = [
    ...(options.dnsNames ?? []).map((value) => ({ type: "dns" as const, value })),
    ...(options.ipAddresses ?? []).map((value) => ({ type: "ip" as const, value })),
  ];
  if (sans.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(sans));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(options.random ?? cryptoRandom),
    subject: jsonName(options.commonName, options.organization ?? []),
    issuer: caCert.subjectName,
    notBefore: options.notBefore,
    notAfter: new Date(options.notBefore.getTime() + options.validityDays * DAY_MS),
    signingAlgorithm: SIGNING_PARAMS[caAlgorithm],
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions,
  });
  return { certPem: cert.toString("pem") + "\n", keyPem: await exportPkcs8Pem(keys.privateKey) };
}

/** Generates a bare private key (e.g. the service-account signing key) as PKCS#8 PEM. */
export async function generatePrivateKey(algorithm: KeyAlgorithm): Promise<string> {
  const keys = await generateKeyPair(algorithm);
  return await exportPkcs8Pem(keys.privateKey);
}

/** Reads the facts of a PEM certificate. Throws `TypeError` when it is not one. */
export function parseCertificate(pem: string): CertificateInfo {
  const cert = readCertificatePem(pem);
  const basic = cert.extensions.find((e) => e.oid === OID.basicConstraints);
  const san = cert.extensions.find((e) => e.oid === OID.subjectAltName);
  const names = san ? readSubjectAltNames(san.value) : { dnsNames: [], ipAddresses: [] };
  const fields = cert.subject.flat();
  return {
    subject: formatName(cert.subject),
    commonName: fields.find((a) => a.type === "CN")?.value,
    organizations: fields.filter((a) => a.type === "O").map((a) => a.value),
    issuer: formatName(cert.issuer),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    isCa: basic ? readBasicConstraintsCa(basic.value) : false,
    dnsNames: names.dnsNames,
    ipAddresses: names.ipAddresses,
    serialNumber: formatSerial(cert.serial),
    keyAlgorithm: keyAlgorithmOf(cert),
  };
}

/** True when `certPem` names `caPem`'s subject as issuer and carries a valid signature by its key. */
export async function verifyIssuedBy(certPem: string, caPem: string): Promise<boolean> {
  try {
    const cert = readCertificatePem(certPem);
    const ca = readCertificatePem(caPem);
    if (formatName(cert.issuer) !== formatName(ca.subject)) return false;
    const algorithm = signatureAlgorithm(cert.signatureAlgorithmOid);
    if (!algorithm) return false;
    const keyParams = publicKeyParams(ca, algorithm);
    if (!keyParams) return false;
    const publicKey = await crypto.subtle.importKey("spki", ca.spki, keyParams, false, ["verify"]);
    const signature = algorithm.name === "ECDSA"
      ? readEcdsaSignature(cert.signature, CURVE_SIZES[(keyParams as EcKeyImportParams).namedCurve]!)
      : cert.signature;
    return await crypto.subtle.verify(algorithm, publicKey, signature, cert.tbs);
  } catch {
    return false;
  }
}

/** True when `keyPem` (any supported PEM form) is the private key of the certificate `certPem`. */
export async function keyMatchesCertificate(keyPem: string, certPem: string): Promise<boolean> {
  const cert = readCertificatePem(certPem);
  const algorithm = keyAlgorithmOf(cert);
  const key = await importPkcs8(toPkcs8KeyPem(keyPem), algorithm);
  const data = new Uint8Array([1, 2, 3]);
  const signature = await crypto.subtle.sign(SIGNING_PARAMS[algorithm], key, data);
  const publicKey = await crypto.subtle.importKey("spki", cert.spki, KEY_PARAMS[algorithm], true, ["verify"]);
  return await crypto.subtle.verify(SIGNING_PARAMS[algorithm], publicKey, signature, data);
}

/**
 * Converts a PKCS#8 PEM key into the PEM form Talos writes: `ED25519 PRIVATE KEY` (PKCS#8 inside)
 * for Ed25519, `EC PRIVATE KEY` (SEC1 with the curve named) for ECDSA. Go's `tls.X509KeyPair`
 * and Talos's key parser read both.
 */
export function toTalosKeyPem(pem: string): string {
  const block = decodePem(pem);
  if (block.type === "ED25519 PRIVATE KEY" || block.type === "EC PRIVATE KEY") return pem;
  if (block.type !== "PRIVATE KEY") throw new TypeError(`Cannot convert key: unsupported PEM type "${block.type}"`);
  const key = createPrivateKey({ key: Buffer.from(block.der), format: "der", type: "pkcs8" });
  if (key.asymmetricKeyType === "ed25519") return encodePem("ED25519 PRIVATE KEY", block.der);
  if (key.asymmetricKeyType === "ec") {
    return ensureTrailingNewline(key.export({ type: "sec1", format: "pem" }) as string);
  }
  throw new TypeError(`Cannot convert key: unsupported key type "${key.asymmetricKeyType}"`);
}

/** Converts any key form Talos or OpenSSL writes (PKCS#8, `ED25519 PRIVATE KEY`, SEC1 `EC PRIVATE KEY`) to PKCS#8 PEM. */
export function toPkcs8KeyPem(pem: string): string {
  const block = decodePem(pem);
  switch (block.type) {
    case "PRIVATE KEY":
      return encodePem("PRIVATE KEY", block.der);
    case "ED25519 PRIVATE KEY":
      return encodePem("PRIVATE KEY", block.der);
    case "EC PRIVATE KEY": {
      const key = createPrivateKey({ key: Buffer.from(block.der), format: "der", type: "sec1" });
      return ensureTrailingNewline(key.export({ type: "pkcs8", format: "pem" }) as string);
    }
    default:
      throw new TypeError(`Cannot read key: unsupported PEM type "${block.type}"`);
  }
}

/** The algorithm of a private key in any supported PEM form. */
export function keyAlgorithmOfKey(pem: string): KeyAlgorithm {
  const key = createPrivateKey(toPkcs8KeyPem(pem));
  if (key.asymmetricKeyType === "ed25519") return "Ed25519";
  if (key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1") return "ECDSA-P256";
  throw new TypeError(`Cannot use key: unsupported key type "${key.asymmetricKeyType}"`);
}

/** Decodes the first PEM block of `pem`. Throws `TypeError` when there is none. */
export function decodePem(pem: string): { type: string; der: Uint8Array<ArrayBuffer> } {
  const match = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\r\n]+?)-----END \1-----/.exec(pem);
  if (!match) throw new TypeError("Cannot read PEM: no PEM block found");
  return { type: match[1]!, der: new Uint8Array(Buffer.from(match[2]!.replace(/\s+/g, ""), "base64")) };
}

/** Encodes DER bytes as a PEM block with 64-character lines and a trailing newline. */
export function encodePem(type: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString("base64");
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${type}-----\n${lines.join("\n")}\n-----END ${type}-----\n`;
}

function ensureTrailingNewline(text: string): string {
  return text.endsWith("\n") ? text : text + "\n";
}

function checkValidity(notBefore: Date, validityDays: number): void {
  if (!(notBefore instanceof Date) || Number.isNaN(notBefore.getTime())) {
    throw new TypeError("Cannot create certificate: notBefore is not a valid Date");
  }
  if (!Number.isFinite(validityDays) || validityDays <= 0) {
    throw new RangeError(`Cannot create certificate: validityDays must be positive, got ${validityDays}`);
  }
}

function extendedKeyUsages(x509: X509Module, usage: CertificateUsage): string[] {
  switch (usage) {
    case "client":
      return [x509.ExtendedKeyUsage.clientAuth];
    case "server":
      return [x509.ExtendedKeyUsage.serverAuth];
    case "both":
      return [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth];
    default:
      throw new TypeError(`Cannot issue certificate: unknown usage "${usage as string}" (client, server, both)`);
  }
}

function jsonName(commonName: string, organizations: string[]): X509.JsonName {
  const name: X509.JsonName = [];
  for (const o of organizations) name.push({ O: [o] });
  name.push({ CN: [commonName] });
  return name;
}

/** A positive 128-bit serial number in hexadecimal, as Talos uses. */
function serialNumber(random: RandomSource): string {
  const bytes = random(new Uint8Array(16));
  // Clear the sign bit and set the next so the DER integer is positive and 16 bytes long.
  bytes[0] = (bytes[0]! & 0x7f) | 0x40;
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function generateKeyPair(algorithm: KeyAlgorithm): Promise<CryptoKeyPair> {
  const params = KEY_PARAMS[algorithm];
  if (!params) throw new TypeError(`Cannot generate key: unknown algorithm "${algorithm}" (Ed25519, ECDSA-P256)`);
  return await crypto.subtle.generateKey(params, true, ["sign", "verify"]) as CryptoKeyPair;
}

async function importPkcs8(pem: string, algorithm: KeyAlgorithm): Promise<CryptoKey> {
  const { der } = decodePem(pem);
  return await crypto.subtle.importKey("pkcs8", der, KEY_PARAMS[algorithm], false, ["sign"]);
}

async function exportPkcs8Pem(key: CryptoKey): Promise<string> {
  return encodePem("PRIVATE KEY", new Uint8Array(await crypto.subtle.exportKey("pkcs8", key)));
}

type X509Module = typeof X509;

/** `@peculiar/x509`, loaded on first use; `reflect-metadata` must be loaded before it (tsyringe needs it). */
async function loadX509(): Promise<X509Module> {
  await import("reflect-metadata");
  return await import("@peculiar/x509");
}

function readCertificatePem(pem: string): CertificateDer {
  try {
    return readCertificateDer(decodePem(pem).der);
  } catch (cause) {
    throw new TypeError("Cannot parse certificate: not a PEM X.509 certificate", { cause });
  }
}

/** Names as WebCrypto (and `@peculiar/x509`) call a public key's algorithm, for messages. */
const PUBLIC_KEY_NAMES: Record<string, string> = {
  [OID.ed25519]: "Ed25519",
  [OID.ecPublicKey]: "ECDSA",
  [OID.rsaEncryption]: "RSASSA-PKCS1-v1_5",
  "1.3.101.113": "Ed448",
};

function keyAlgorithmOf(cert: CertificateDer): KeyAlgorithm {
  if (cert.publicKeyAlgorithmOid === OID.ed25519) return "Ed25519";
  if (cert.publicKeyAlgorithmOid === OID.ecPublicKey && cert.publicKeyCurveOid === OID.p256) return "ECDSA-P256";
  const name = PUBLIC_KEY_NAMES[cert.publicKeyAlgorithmOid] ?? cert.publicKeyAlgorithmOid;
  throw new TypeError(`Cannot use certificate: unsupported key algorithm "${name}"`);
}

const SIGNATURE_ALGORITHMS: Record<string, Algorithm | EcdsaParams | RsaHashedImportParams> = {
  [OID.ed25519]: { name: "Ed25519" },
  [OID.ecdsaSha256]: { name: "ECDSA", hash: "SHA-256" } as EcdsaParams,
  [OID.ecdsaSha384]: { name: "ECDSA", hash: "SHA-384" } as EcdsaParams,
  [OID.ecdsaSha512]: { name: "ECDSA", hash: "SHA-512" } as EcdsaParams,
  [OID.rsaSha256]: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as RsaHashedImportParams,
  [OID.rsaSha384]: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-384" } as RsaHashedImportParams,
  [OID.rsaSha512]: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-512" } as RsaHashedImportParams,
};

function signatureAlgorithm(oid: string): (Algorithm & { hash?: string }) | undefined {
  return SIGNATURE_ALGORITHMS[oid] as (Algorithm & { hash?: string }) | undefined;
}

const CURVES: Record<string, string> = { [OID.p256]: "P-256", [OID.p384]: "P-384", [OID.p521]: "P-521" };
/** Bytes of each of an ECDSA signature's two integers, by curve. */
const CURVE_SIZES: Record<string, number> = { "P-256": 32, "P-384": 48, "P-521": 66 };

/** Import parameters of the CA's key for a signature made with `algorithm`; undefined when they do not fit. */
function publicKeyParams(
  ca: CertificateDer,
  algorithm: Algorithm & { hash?: string },
): Algorithm | EcKeyImportParams | RsaHashedImportParams | undefined {
  if (algorithm.name === "Ed25519" && ca.publicKeyAlgorithmOid === OID.ed25519) return { name: "Ed25519" };
  if (algorithm.name === "ECDSA" && ca.publicKeyAlgorithmOid === OID.ecPublicKey) {
    const namedCurve = CURVES[ca.publicKeyCurveOid ?? ""];
    return namedCurve ? { name: "ECDSA", namedCurve } as EcKeyImportParams : undefined;
  }
  if (algorithm.name === "RSASSA-PKCS1-v1_5" && ca.publicKeyAlgorithmOid === OID.rsaEncryption) {
    return { name: "RSASSA-PKCS1-v1_5", hash: algorithm.hash! } as RsaHashedImportParams;
  }
  return undefined;
}
