/**
 * Hetzner firewall semantics for the local cloud's public ports: a server without any firewall takes
 * every inbound connection; once a firewall is applied (directly or through a label selector) inbound
 * traffic is dropped unless an `in` rule of one of its firewalls matches the protocol, the port and the
 * caller's address (hcloud-behaviour §9: "no `in` rule → all inbound dropped"). Firewalls filter public
 * interfaces only: traffic over the private network or from a load balancer to a private target is
 * never checked here.
 *
 * @module
 */
import { cidrContains } from "../../src/lib/cidr.ts";
import { matchesSelector } from "../hcloud_sim/label_selector.ts";
import type { FirewallRule, ServerRecord, SimState } from "../hcloud_sim/state.ts";

/** Why a connection is let in or dropped (for logs and test failures). */
export interface FirewallVerdict {
  allowed: boolean;
  /** e.g. `no firewall applied`, `firewall demo rule tcp/6443`, `dropped by firewall demo: no rule for tcp/50000 from 203.0.113.10`. */
  reason: string;
}

/** Decides whether a TCP connection from `sourceIp` to `port` on the public address of `server` gets through. */
export function checkFirewalls(state: SimState, server: ServerRecord, sourceIp: string, port: number): FirewallVerdict {
  const applied = [...state.firewalls.values()].filter((fw) =>
    fw.appliedTo.some((a) => a.type === "server" ? a.server === server.id : matchesSelector(server.labels, a.selector))
  );
  if (applied.length === 0) return { allowed: true, reason: "no firewall applied" };
  for (const fw of applied) {
    const rule = fw.rules.find((r) => ruleMatches(r, sourceIp, port));
    if (rule) return { allowed: true, reason: `firewall ${fw.name} rule tcp/${rule.port}` };
  }
  return {
    allowed: false,
    reason: `dropped by firewall ${applied.map((f) => f.name).join(", ")}: no rule for tcp/${port} from ${sourceIp}`,
  };
}

function ruleMatches(rule: FirewallRule, sourceIp: string, port: number): boolean {
  if (rule.direction !== "in" || rule.protocol !== "tcp") return false;
  if (!portMatches(rule.port, port)) return false;
  const host = sourceIp.includes(":") ? `${sourceIp}/128` : `${sourceIp}/32`;
  return rule.source_ips.some((cidr) => {
    try {
      return cidrContains(cidr, host);
    } catch {
      return false; // an IPv6 rule never matches an IPv4 caller and vice versa
    }
  });
}

function portMatches(spec: string | null, port: number): boolean {
  if (spec === null || spec === "any") return true;
  const [from, to = from] = spec.split("-").map(Number);
  return port >= from! && port <= to!;
}
