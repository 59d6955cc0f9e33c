/**
 * The client config talosctl reads (`talosconfig`): one context named after the cluster with its
 * endpoints, default nodes, the Talos OS CA and an `os:admin` client certificate, every PEM
 * base64-encoded (siderolabs/talos `pkg/machinery/client/config`). The same credentials feed our
 * own Talos API client through {@linkcode parseTalosconfig}.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { parse, stringify } from "yaml";
import { decodePem, issueCertificate, type RandomSource, toPkcs8KeyPem, toTalosKeyPem } from "./pki.ts";
import type { SecretsBundle } from "./secrets_bundle.ts";

/** Talos's default lifetime of a talosconfig client certificate (`TalosAPIDefaultCertificateValidityDuration`). */
export const TALOSCONFIG_VALIDITY_DAYS = 365;

/** The credentials of one talosconfig context, PEMs decoded. */
export interface TalosCredentials {
  context: string;
  endpoints: string[];
  nodes: string[];
  /** Talos OS CA certificate PEM (verifies the nodes' API certificates). */
  caPem: string;
  /** Client certificate PEM. */
  certPem: string;
  /** Client key as PKCS#8 PEM, the form `node:tls`/`node:http2` read. */
  keyPem: string;
}

/** Options of {@linkcode generateTalosconfig}. */
export interface TalosconfigOptions {
  clusterName: string;
  /** Talos API endpoints (load balancer or node IPs), without port: talosctl adds 50000. */
  endpoints: string[];
  /** Default `nodes` targets; empty when absent. */
  nodes?: string[];
  /** The injected clock: the client certificate starts here. */
  now: Date;
  /** Roles in the certificate's organization; `["os:admin"]` when absent. */
  roles?: string[];
  validityDays?: number;
  random?: RandomSource;
}

/** Issues a client certificate from the bundle's OS CA and renders a talosconfig for it. */
export async function generateTalosconfig(secrets: SecretsBundle, options: TalosconfigOptions): Promise<string> {
  const client = await issueCertificate(secrets.certs.os, {
    algorithm: "Ed25519",
    commonName: "admin",
    organization: options.roles ?? ["os:admin"],
    usage: "client",
    notBefore: options.now,
    validityDays: options.validityDays ?? TALOSCONFIG_VALIDITY_DAYS,
    random: options.random,
  });
  return renderTalosconfig({
    context: options.clusterName,
    endpoints: options.endpoints,
    nodes: options.nodes ?? [],
    caPem: secrets.certs.os.certPem,
    certPem: client.certPem,
    keyPem: client.keyPem,
  });
}

/** Renders a talosconfig with one context (the key in Talos's `ED25519 PRIVATE KEY` form). */
export function renderTalosconfig(credentials: TalosCredentials): string {
  if (credentials.endpoints.length === 0) {
    throw new TypeError(`Cannot render talosconfig "${credentials.context}": endpoints are empty`);
  }
  const doc = {
    context: credentials.context,
    contexts: {
      [credentials.context]: {
        endpoints: [...credentials.endpoints],
        nodes: [...credentials.nodes],
        ca: b64(credentials.caPem),
        crt: b64(credentials.certPem),
        key: b64(toTalosKeyPem(credentials.keyPem)),
      },
    },
  };
  return stringify(doc, { indent: 4, lineWidth: 0 });
}

/**
 * Reads a talosconfig and returns the credentials of `context` (the current context when absent).
 * Throws `TypeError` naming the missing field.
 */
export function parseTalosconfig(text: string, context?: string): TalosCredentials {
  const doc = parse(text) as Record<string, unknown> | null;
  const name = context ?? (typeof doc?.context === "string" ? doc.context : undefined);
  if (!name) throw new TypeError("Cannot read talosconfig: no context given and no current context set");
  const contexts = doc?.contexts as Record<string, Record<string, unknown>> | undefined;
  const entry = contexts?.[name];
  if (!entry) throw new TypeError(`Cannot read talosconfig: context "${name}" not found`);
  const list = (field: string): string[] => {
    const value = entry[field] ?? [];
    if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
      throw new TypeError(`Cannot read talosconfig: contexts.${name}.${field} must be a list of strings`);
    }
    return value;
  };
  const pem = (field: string): string => {
    const value = entry[field];
    if (typeof value !== "string" || value === "") {
      throw new TypeError(`Cannot read talosconfig: contexts.${name}.${field} is missing`);
    }
    const text = Buffer.from(value, "base64").toString("utf8");
    try {
      decodePem(text);
    } catch {
      throw new TypeError(`Cannot read talosconfig: contexts.${name}.${field} is not base64 of a PEM block`);
    }
    return text;
  };
  const endpoints = list("endpoints");
  if (endpoints.length === 0) throw new TypeError(`Cannot read talosconfig: contexts.${name}.endpoints is empty`);
  return {
    context: name,
    endpoints,
    nodes: list("nodes"),
    caPem: pem("ca"),
    certPem: pem("crt"),
    keyPem: toPkcs8KeyPem(pem("key")),
  };
}

function b64(text: string): string {
  return Buffer.from(text, "utf8").toString("base64");
}
