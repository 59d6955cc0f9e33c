/**
 * Load balancer request parsing: services with Hetzner's defaults (health check, HTTP cookie
 * settings) and targets (server, label selector, IP).
 *
 * @module
 */
import { invalidField } from "../errors.ts";
import { optionalBool, requireString } from "../http.ts";
import { parseLabelSelector } from "../label_selector.ts";
import type { LbService, LbTarget } from "../state.ts";

/** A port number field (1..65535), with an optional default. */
export function port(v: unknown, field: string, fallback?: number): number {
  if (v === undefined && fallback !== undefined) return fallback;
  if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > 65535) throw invalidField(field, "must be 1..65535");
  return v as number;
}

/** Fills a service in with Hetzner's defaults; throws `invalid_input` naming the field. */
export function parseService(raw: unknown, field: string): LbService {
  if (typeof raw !== "object" || raw === null) throw invalidField(field, "must be an object");
  // deno-lint-ignore no-explicit-any
  const b = raw as Record<string, any>;
  const protocol = requireString(b, "protocol");
  if (!["tcp", "http", "https"].includes(protocol)) {
    throw invalidField(`${field}.protocol`, "must be tcp, http or https");
  }
  const listen = port(
    b.listen_port,
    `${field}.listen_port`,
    protocol === "https" ? 443 : protocol === "http" ? 80 : undefined,
  );
  const destination = port(b.destination_port, `${field}.destination_port`, protocol === "tcp" ? listen : 80);
  const hc = (b.health_check ?? {}) as Record<string, unknown>;
  const hcProtocol = (hc.protocol as string | undefined) ?? (protocol === "tcp" ? "tcp" : "http");
  if (hcProtocol !== "tcp" && hcProtocol !== "http") {
    throw invalidField(`${field}.health_check.protocol`, "must be tcp or http");
  }
  const healthCheck: Record<string, unknown> = {
    protocol: hcProtocol,
    port: port(hc.port, `${field}.health_check.port`, destination),
    interval: hc.interval ?? 15,
    timeout: hc.timeout ?? 10,
    retries: hc.retries ?? 3,
  };
  if (hcProtocol === "http") {
    const h = (hc.http ?? {}) as Record<string, unknown>;
    healthCheck.http = {
      domain: h.domain ?? null,
      path: h.path ?? "/",
      response: h.response ?? "",
      status_codes: h.status_codes ?? ["2??", "3??"],
      tls: h.tls ?? false,
    };
  }
  const service: LbService = {
    protocol,
    listen_port: listen,
    destination_port: destination,
    proxyprotocol: b.proxyprotocol ?? false,
    health_check: healthCheck,
  };
  if (protocol !== "tcp") {
    const h = (b.http ?? {}) as Record<string, unknown>;
    service.http = {
      cookie_name: h.cookie_name ?? "HCLBSTICKY",
      cookie_lifetime: h.cookie_lifetime ?? 300,
      timeout_idle: h.timeout_idle ?? 60,
      sticky_sessions: h.sticky_sessions ?? false,
      ...(protocol === "https" ? { certificates: h.certificates ?? [], redirect_http: h.redirect_http ?? false } : {}),
    };
  }
  return service;
}

/** Parses a target of a request. */
export function parseTarget(raw: unknown, field: string): LbTarget {
  // deno-lint-ignore no-explicit-any
  const b = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, any>;
  const usePrivateIp = optionalBool(b, "use_private_ip", false);
  if (b.type === "server" && Number.isSafeInteger(b.server?.id)) {
    return { type: "server", server: b.server.id, usePrivateIp };
  }
  if (b.type === "label_selector" && typeof b.label_selector?.selector === "string") {
    parseLabelSelector(b.label_selector.selector);
    return { type: "label_selector", selector: b.label_selector.selector, usePrivateIp };
  }
  if (b.type === "ip" && typeof b.ip?.ip === "string") return { type: "ip", ip: b.ip.ip };
  throw invalidField(field, "needs type server (server.id), label_selector (label_selector.selector) or ip (ip.ip)");
}
