/**
 * The firewall's difference: rules compared as a set (and each rule's addresses as a set, in
 * canonical CIDR form), and whether the cluster's label selector is among the resources it applies to.
 *
 * @module
 */
import type { DesiredState } from "../../config/mod.ts";
import type { Firewall, FirewallRule } from "../../hcloud/mod.ts";
import { parseCidr } from "../../lib/cidr.ts";
import type { Change } from "./change.ts";
import { byName, type ObservedCluster } from "./observed.ts";

/** What to do about the firewall. */
export type FirewallDiff =
  | { state: "missing"; rules: FirewallRule[] }
  | { state: "present"; firewall: Firewall; rules: FirewallRule[]; rulesDiffer: boolean; selectorMissing: boolean };

/**
 * The rules to send: the desired rules, with the caller's address (as /32) as the only source when
 * `api_allowlist` is empty. Throws a TypeError when that address is needed but not given.
 */
export function desiredFirewallRules(desired: DesiredState, callerIp: string | undefined): FirewallRule[] {
  const { rules } = desired.firewall.request;
  if (!desired.firewall.needsCallerIp) return rules.map((r) => ({ ...r, source_ips: [...r.source_ips] }));
  if (callerIp === undefined) {
    throw new TypeError("Cannot plan the firewall: api_allowlist is empty and no caller IP was given");
  }
  const source = callerIp.includes("/") ? callerIp : `${callerIp}/${callerIp.includes(":") ? 128 : 32}`;
  return rules.map((r) => ({ ...r, source_ips: [source] }));
}

function canonical(cidr: string): string {
  const parsed = parseCidr(cidr);
  return parsed.ok ? parsed.normalized : cidr;
}

/** A rule's identity: everything but its description, addresses sorted and canonical. */
function ruleKey(rule: FirewallRule): string {
  const ips = (list: string[] | undefined) => [...new Set((list ?? []).map(canonical))].sort().join(" ");
  return [rule.direction, rule.protocol, rule.port ?? "", ips(rule.source_ips), ips(rule.destination_ips)].join("|");
}

/** True when two rule lists are the same set of rules. */
export function sameRules(a: readonly FirewallRule[], b: readonly FirewallRule[]): boolean {
  const ka = new Set(a.map(ruleKey));
  const kb = new Set(b.map(ruleKey));
  return ka.size === kb.size && [...ka].every((k) => kb.has(k));
}

/** Compares the desired firewall with the one found. Pure. */
export function diffFirewall(desired: DesiredState, observed: ObservedCluster, callerIp?: string): FirewallDiff {
  const rules = desiredFirewallRules(desired, callerIp);
  const firewall = byName(observed.firewalls, desired.firewall.request.name);
  if (!firewall) return { state: "missing", rules };
  const selectors = desired.firewall.request.apply_to.map((a) => a.label_selector.selector);
  const applied = new Set(
    firewall.applied_to.filter((a) => a.type === "label_selector").map((a) =>
      (a as { label_selector: { selector: string } }).label_selector.selector
    ),
  );
  return {
    state: "present",
    firewall,
    rules,
    rulesDiffer: !sameRules(firewall.rules, rules),
    selectorMissing: selectors.some((s) => !applied.has(s)),
  };
}

function describeRules(rules: FirewallRule[]): string {
  return rules.map((r) => `${r.protocol}/${r.port} from ${(r.source_ips ?? []).join(", ")}`).join("; ");
}

/** The plan lines of a firewall diff. */
export function firewallChanges(desired: DesiredState, diff: FirewallDiff): Change[] {
  const name = desired.firewall.request.name;
  if (diff.state === "missing") {
    return [{
      action: "create",
      kind: "firewall",
      name,
      detail: `${describeRules(diff.rules)}; applied to ${desired.selector}`,
    }];
  }
  const changes: Change[] = [];
  if (diff.rulesDiffer) {
    changes.push({ action: "update", kind: "firewall", name, detail: `set rules: ${describeRules(diff.rules)}` });
  }
  if (diff.selectorMissing) {
    changes.push({ action: "update", kind: "firewall", name, detail: `apply to servers matching ${desired.selector}` });
  }
  return changes;
}
