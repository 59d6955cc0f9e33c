/**
 * The cluster's secrets, generated once and kept for the cluster's life: the Talos OS CA, the
 * Kubernetes, aggregator and etcd CAs, the service-account key, the bootstrap and trustd tokens,
 * the secretbox key and the discovery identity. Persisted in the YAML layout `talosctl gen secrets`
 * writes (siderolabs/talos `pkg/machinery/config/generate/secrets`), so talosctl can use the file.
 *
 * Keys are held in the PEM forms Talos writes ("ED25519 PRIVATE KEY", SEC1 "EC PRIVATE KEY");
 * `issueCertificate` from `pki.ts` reads them as they are.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { parse, stringify } from "yaml";
import {
  type CertificateAuthority,
  cryptoRandom,
  decodePem,
  generateCa,
  generatePrivateKey,
  keyAlgorithmOfKey,
  keyMatchesCertificate,
  parseCertificate,
  type RandomSource,
  toTalosKeyPem,
} from "./pki.ts";
import { writeSecretFile } from "../lib/secure_files.ts";

/** Validity of every CA, as Talos uses (`CAValidityTime` = 87600 h). */
export const CA_VALIDITY_DAYS = 3650;

/** The cluster's secrets. Key PEMs are in Talos form. */
export interface SecretsBundle {
  cluster: {
    /** Discovery cluster id: 32 random bytes, URL-safe base64. */
    id: string;
    /** Discovery cluster secret: 32 random bytes, base64. */
    secret: string;
  };
  secrets: {
    /** Kubernetes bootstrap token, `[a-z0-9]{6}.[a-z0-9]{16}`. */
    bootstrapToken: string;
    /** Secretbox key for secrets at rest in etcd: 32 random bytes, base64. */
    secretboxEncryptionSecret: string;
  };
  /** trustd token, same shape as the bootstrap token. */
  trustdToken: string;
  certs: {
    etcd: CertificateAuthority;
    k8s: CertificateAuthority;
    k8sAggregator: CertificateAuthority;
    /** ECDSA P-256 service-account signing key (SEC1 PEM). */
    k8sServiceAccountKey: string;
    /** Talos OS CA (Ed25519). */
    os: CertificateAuthority;
  };
}

/** Options of {@linkcode generateSecretsBundle}. */
export interface GenerateSecretsOptions {
  /** The injected clock: every CA starts at this instant. */
  now: Date;
  /** Source of tokens, secrets and serial numbers; WebCrypto by default. */
  random?: RandomSource;
}

/** A secrets file that is malformed, incomplete or expired. Exit code 2: the user can fix it. */
export class SecretsBundleError extends Error {
  override name = "SecretsBundleError";
  readonly exitCode = 2;
  /** Dotted path of the offending field, e.g. `certs.os.key`. */
  readonly field: string;
  constructor(field: string, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.field = field;
  }
}

const TOKEN_PATTERN = /^[a-z0-9]{6}\.[a-z0-9]{16}$/;
const TOKEN_CHARS = "0123456789abcdefghijklmnopqrstuvwxyz";

/** Generates a new bundle: five keys and four CAs, tokens and secrets. */
export async function generateSecretsBundle(options: GenerateSecretsOptions): Promise<SecretsBundle> {
  const random = options.random ?? cryptoRandom;
  const ca = async (algorithm: "Ed25519" | "ECDSA-P256", commonName: string, organization?: string) => {
    const generated = await generateCa({
      algorithm,
      commonName,
      organization,
      notBefore: options.now,
      validityDays: CA_VALIDITY_DAYS,
      random,
    });
    return { certPem: generated.certPem, keyPem: toTalosKeyPem(generated.keyPem) };
  };
  return {
    cluster: {
      id: base64(randomBytes(random, 32), true),
      secret: base64(randomBytes(random, 32), false),
    },
    secrets: {
      bootstrapToken: randomToken(random),
      secretboxEncryptionSecret: base64(randomBytes(random, 32), false),
    },
    trustdToken: randomToken(random),
    certs: {
      etcd: await ca("ECDSA-P256", "etcd", "etcd"),
      k8s: await ca("ECDSA-P256", "kubernetes", "kubernetes"),
      k8sAggregator: await ca("ECDSA-P256", "front-proxy"),
      k8sServiceAccountKey: toTalosKeyPem(await generatePrivateKey("ECDSA-P256")),
      os: await ca("Ed25519", "talos", "talos"),
    },
  };
}

/** Renders the bundle as `talosctl gen secrets` writes it (4-space indent, PEMs base64-encoded). */
export function renderSecretsBundle(bundle: SecretsBundle): string {
  const pair = (ca: CertificateAuthority) => ({ crt: b64(ca.certPem), key: b64(ca.keyPem) });
  const doc = {
    cluster: { id: bundle.cluster.id, secret: bundle.cluster.secret },
    secrets: {
      bootstraptoken: bundle.secrets.bootstrapToken,
      secretboxencryptionsecret: bundle.secrets.secretboxEncryptionSecret,
    },
    trustdinfo: { token: bundle.trustdToken },
    certs: {
      etcd: pair(bundle.certs.etcd),
      k8s: pair(bundle.certs.k8s),
      k8saggregator: pair(bundle.certs.k8sAggregator),
      k8sserviceaccount: { key: b64(bundle.certs.k8sServiceAccountKey) },
      os: pair(bundle.certs.os),
    },
  };
  return stringify(doc, { indent: 4, lineWidth: 0 });
}

/** Writes the bundle to `path` with mode 0600 (directory 0700). */
export async function saveSecretsBundle(path: string, bundle: SecretsBundle): Promise<void> {
  await writeSecretFile(path, renderSecretsBundle(bundle));
}

/** Options of {@linkcode loadSecretsBundle}. */
export interface LoadSecretsOptions {
  /** The injected clock: a CA whose validity does not cover `now` is an error. */
  now: Date;
}

/**
 * Parses and checks a secrets file: every field present, PEMs decodable, keys matching their
 * certificates, CAs valid at `now`. Throws {@linkcode SecretsBundleError} naming the field.
 * `aescbcencryptionsecret` (Talos before 1.3) is not supported: it names the field too.
 */
export async function loadSecretsBundle(text: string, options: LoadSecretsOptions): Promise<SecretsBundle> {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message.split("\n")[0] : String(cause);
    throw new SecretsBundleError("", `Cannot read secrets bundle: invalid YAML: ${detail}`, { cause });
  }
  const root = expectMap(doc, "");
  const cluster = expectMap(root.cluster, "cluster");
  const secrets = expectMap(root.secrets, "secrets");
  const trustd = expectMap(root.trustdinfo, "trustdinfo");
  const certs = expectMap(root.certs, "certs");

  const bundle: SecretsBundle = {
    cluster: {
      id: expectBase64(cluster.id, "cluster.id", 32),
      secret: expectBase64(cluster.secret, "cluster.secret", 32),
    },
    secrets: {
      bootstrapToken: expectToken(secrets.bootstraptoken, "secrets.bootstraptoken"),
      secretboxEncryptionSecret: expectSecretbox(secrets),
    },
    trustdToken: expectToken(trustd.token, "trustdinfo.token"),
    certs: {
      etcd: await expectCa(certs.etcd, "certs.etcd", "ECDSA-P256", options.now),
      k8s: await expectCa(certs.k8s, "certs.k8s", "ECDSA-P256", options.now),
      k8sAggregator: await expectCa(certs.k8saggregator, "certs.k8saggregator", "ECDSA-P256", options.now),
      k8sServiceAccountKey: expectKey(
        expectMap(certs.k8sserviceaccount, "certs.k8sserviceaccount").key,
        "certs.k8sserviceaccount.key",
      ),
      os: await expectCa(certs.os, "certs.os", "Ed25519", options.now),
    },
  };
  return bundle;
}

function b64(text: string): string {
  return Buffer.from(text, "utf8").toString("base64");
}

function base64(bytes: Uint8Array, urlSafe: boolean): string {
  const std = Buffer.from(bytes).toString("base64");
  return urlSafe ? std.replaceAll("+", "-").replaceAll("/", "_") : std;
}

function randomBytes(random: RandomSource, n: number): Uint8Array {
  return random(new Uint8Array(n));
}

/** A `[a-z0-9]{6}.[a-z0-9]{16}` token; bytes >= 252 are discarded so every character is equally likely. */
function randomToken(random: RandomSource): string {
  const part = (length: number) => {
    let out = "";
    while (out.length < length) {
      for (const b of random(new Uint8Array(length * 2))) {
        if (b < 252 && out.length < length) out += TOKEN_CHARS[b % TOKEN_CHARS.length];
      }
    }
    return out;
  };
  return `${part(6)}.${part(16)}`;
}

function describe(value: unknown): string {
  if (value === undefined || value === null) return "missing";
  if (Array.isArray(value)) return "a list";
  return `a ${typeof value}`;
}

function expectMap(value: unknown, field: string): Record<string, unknown> {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
  const where = field === "" ? "the document" : `"${field}"`;
  throw new SecretsBundleError(field, `Cannot read secrets bundle: ${where} must be a mapping, got ${describe(value)}`);
}

function expectString(value: unknown, field: string): string {
  if (typeof value === "string" && value !== "") return value;
  throw new SecretsBundleError(
    field,
    `Cannot read secrets bundle: "${field}" must be a non-empty string, got ${describe(value)}`,
  );
}

function expectBase64(value: unknown, field: string, bytes: number): string {
  const text = expectString(value, field);
  const decoded = Buffer.from(text.replaceAll("-", "+").replaceAll("_", "/"), "base64");
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text) || decoded.length !== bytes) {
    throw new SecretsBundleError(field, `Cannot read secrets bundle: "${field}" must be ${bytes} base64-encoded bytes`);
  }
  return text;
}

function expectToken(value: unknown, field: string): string {
  const text = expectString(value, field);
  if (!TOKEN_PATTERN.test(text)) {
    throw new SecretsBundleError(
      field,
      `Cannot read secrets bundle: "${field}" must look like abcdef.0123456789abcdef`,
    );
  }
  return text;
}

function expectSecretbox(secrets: Record<string, unknown>): string {
  if (secrets.secretboxencryptionsecret === undefined && secrets.aescbcencryptionsecret !== undefined) {
    throw new SecretsBundleError(
      "secrets.aescbcencryptionsecret",
      'Cannot read secrets bundle: "secrets.aescbcencryptionsecret" (Talos before 1.3) is not supported; ' +
        "secrets.secretboxencryptionsecret is required",
    );
  }
  return expectBase64(secrets.secretboxencryptionsecret, "secrets.secretboxencryptionsecret", 32);
}

function decodePemField(value: unknown, field: string, allowed: string[]): string {
  const text = expectString(value, field);
  const pem = Buffer.from(text, "base64").toString("utf8");
  let type: string;
  try {
    type = decodePem(pem).type;
  } catch {
    throw new SecretsBundleError(field, `Cannot read secrets bundle: "${field}" is not base64 of a PEM block`);
  }
  if (!allowed.includes(type)) {
    throw new SecretsBundleError(
      field,
      `Cannot read secrets bundle: "${field}" holds a "${type}" PEM block, expected ${allowed.join(" or ")}`,
    );
  }
  return pem;
}

function expectKey(value: unknown, field: string): string {
  const pem = decodePemField(value, field, ["ED25519 PRIVATE KEY", "EC PRIVATE KEY", "PRIVATE KEY"]);
  try {
    keyAlgorithmOfKey(pem);
  } catch (cause) {
    throw new SecretsBundleError(field, `Cannot read secrets bundle: "${field}" is not a usable private key`, {
      cause,
    });
  }
  return pem;
}

async function expectCa(
  value: unknown,
  field: string,
  algorithm: "Ed25519" | "ECDSA-P256",
  now: Date,
): Promise<CertificateAuthority> {
  const pair = expectMap(value, field);
  const certPem = decodePemField(pair.crt, `${field}.crt`, ["CERTIFICATE"]);
  const keyPem = expectKey(pair.key, `${field}.key`);
  let info;
  try {
    info = parseCertificate(certPem);
  } catch (cause) {
    throw new SecretsBundleError(`${field}.crt`, `Cannot read secrets bundle: "${field}.crt" is not a certificate`, {
      cause,
    });
  }
  if (!info.isCa) {
    throw new SecretsBundleError(`${field}.crt`, `Cannot read secrets bundle: "${field}.crt" is not a CA certificate`);
  }
  if (info.keyAlgorithm !== algorithm) {
    throw new SecretsBundleError(
      `${field}.crt`,
      `Cannot read secrets bundle: "${field}.crt" uses ${info.keyAlgorithm}, expected ${algorithm}`,
    );
  }
  if (now.getTime() > info.notAfter.getTime()) {
    throw new SecretsBundleError(
      `${field}.crt`,
      `Cannot use secrets bundle: the CA in "${field}.crt" expired on ${info.notAfter.toISOString()}`,
    );
  }
  if (now.getTime() < info.notBefore.getTime()) {
    throw new SecretsBundleError(
      `${field}.crt`,
      `Cannot use secrets bundle: the CA in "${field}.crt" is not valid before ${info.notBefore.toISOString()}`,
    );
  }
  if (!(await keyMatchesCertificate(keyPem, certPem).catch(() => false))) {
    throw new SecretsBundleError(
      `${field}.key`,
      `Cannot read secrets bundle: "${field}.key" does not belong to the certificate in "${field}.crt"`,
    );
  }
  return { certPem, keyPem };
}
