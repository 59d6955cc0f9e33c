/**
 * What external-dns v0.21 does with the Cloudflare provider and the TXT registry, played only while its
 * Deployment (`external-dns/external-dns`) reports a ready replica, with the flags and the token its
 * container is started with (`--source`, `--domain-filter`, `--txt-owner-id`, `--policy`, `--provider`,
 * `--registry`; `CF_API_TOKEN` from the Secret the env names). It calls the Cloudflare API over HTTP, so a
 * wrong token is refused by the Cloudflare fake as it would be by Cloudflare.
 *
 * - endpoints (ingress source): each Ingress host (rules and TLS hosts, and the
 *   `external-dns.alpha.kubernetes.io/hostname` annotation) inside the domain filter, pointing at the
 *   addresses in the Ingress status (`ip` as A/AAAA, `hostname` as CNAME) or the `.../target` annotation;
 * - zones: those whose name the domain filter matches, or a parent of the filter;
 * - registry: an owned record has a TXT `<type>-<name>` (or the old-format `<name>`, not for AAAA) with
 *   `heritage=external-dns,external-dns/owner=<owner>`; only the new format is written (v0.16+);
 * - plan: create what is missing (record and owner TXT, `ttl` 1, not proxied), fix the targets of owned
 *   records (unless `create-only`), delete owned records nobody asks for any more (only with `sync`);
 *   a name another owner (or nobody) holds is left alone.
 *
 * Each call is one sync; the local cloud calls it every `--interval` of simulated time
 * (`externalDnsInterval`, `ingress_stand_ins.ts`). Not played: `--txt-prefix`/`--txt-suffix`, ingress
 * class filters, the `ttl` and `cloudflare-proxied` annotations, batching.
 *
 * @module
 */
import type { FakeKubeStore } from "../kube_fake/mod.ts";
import { deploymentContainer, deploymentReady, envValue } from "./ready_workload.ts";
import { cloudflareCalls } from "./cloudflare_calls.ts";

/** The Deployment whose ready replicas turn the stand-in on. */
export const EXTERNAL_DNS_DEPLOYMENT = { namespace: "external-dns", name: "external-dns" } as const;

const MANAGED_TYPES = ["A", "AAAA", "CNAME"];
const TXT_PREFIX_TYPES = ["a", "aaaa", "cname", "ns", "mx", "ptr", "srv", "naptr"];

/** The flags external-dns runs with (from the container's args). */
export interface ExternalDnsFlags {
  sources: string[];
  domainFilters: string[];
  ownerId: string;
  policy: "sync" | "upsert-only" | "create-only";
  provider: string;
  registry: string;
  /** `--interval` (default 1m): how often it syncs, in simulated ms. */
  intervalMs: number;
}

/** Parses `--key=value` and `--key value` args with external-dns's defaults. Pure. */
export function parseExternalDnsArgs(args: readonly string[]): ExternalDnsFlags {
  const values = new Map<string, string[]>();
  for (let i = 0; i < args.length; i++) {
    const m = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(args[i]!);
    if (!m) continue;
    const value = m[2] ?? (args[i + 1]?.startsWith("--") === false ? args[++i]! : "true");
    values.set(m[1]!, [...(values.get(m[1]!) ?? []), value]);
  }
  const one = (k: string, fallback: string) => values.get(k)?.at(-1) ?? fallback;
  const policy = one("policy", "sync");
  if (policy !== "sync" && policy !== "upsert-only" && policy !== "create-only") {
    throw new Error(`flag --policy: invalid value "${policy}"`);
  }
  return {
    sources: values.get("source") ?? [],
    domainFilters: (values.get("domain-filter") ?? []).flatMap((d) => d.split(",")).map(normalize).filter(Boolean),
    ownerId: one("txt-owner-id", "default"),
    policy,
    provider: one("provider", ""),
    registry: one("registry", "txt"),
    intervalMs: goDurationMs(one("interval", "1m")),
  };
}

/** A desired endpoint: one name and type, its targets, and the resource it comes from. */
export interface Endpoint {
  name: string;
  type: string;
  targets: string[];
  resource: string;
}

/** The endpoints the ingress source produces for the domain filters. Pure over the store. */
export function ingressEndpoints(store: FakeKubeStore, domainFilters: readonly string[]): Endpoint[] {
  const byKey = new Map<string, Endpoint>();
  for (const ing of store.listObjects("networking.k8s.io/v1", "Ingress")) {
    const meta = ing.metadata as { name: string; namespace: string; annotations?: Record<string, string> };
    const spec = (ing.spec ?? {}) as { rules?: { host?: string }[]; tls?: { hosts?: string[] }[] };
    const annotations = meta.annotations ?? {};
    const hosts = new Set(
      [
        ...(spec.rules ?? []).flatMap((r) => r.host ? [r.host] : []),
        ...(spec.tls ?? []).flatMap((t) => t.hosts ?? []),
        ...(annotations["external-dns.alpha.kubernetes.io/hostname"] ?? "").split(","),
      ].map(normalize).filter((h) => h !== "" && inDomain(h, domainFilters)),
    );
    const annotated = (annotations["external-dns.alpha.kubernetes.io/target"] ?? "").split(",").map((t) => t.trim())
      .filter(Boolean);
    const status = (ing.status ?? {}) as { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
    const targets = annotated.length > 0
      ? annotated
      : (status.loadBalancer?.ingress ?? []).flatMap((i) => i.ip ?? i.hostname ?? []);
    for (const host of hosts) {
      for (const target of targets) {
        const type = /^\d+\.\d+\.\d+\.\d+$/.test(target) ? "A" : target.includes(":") ? "AAAA" : "CNAME";
        const key = `${type} ${host}`;
        const ep = byKey.get(key) ??
          { name: host, type, targets: [], resource: `ingress/${meta.namespace}/${meta.name}` };
        if (!ep.targets.includes(target)) ep.targets.push(target);
        byKey.set(key, ep);
      }
    }
  }
  return [...byKey.values()].map((e) => ({ ...e, targets: e.targets.sort() }));
}

/** What one pass needs besides the store. */
export interface ExternalDnsDeps {
  /** Cloudflare API base URL (the fake's). */
  cloudflareUrl: string;
  fetch?: typeof fetch;
}

/**
 * One external-dns pass over one cluster: returns the changes made, one line each. Throws (as the
 * external-dns log would show) when the token is missing or Cloudflare refuses a request.
 */
export async function reconcileExternalDns(store: FakeKubeStore, deps: ExternalDnsDeps): Promise<string[]> {
  const ref = EXTERNAL_DNS_DEPLOYMENT;
  if (!deploymentReady(store, ref)) return [];
  const container = deploymentContainer(store, ref);
  if (!container) return [];
  const flags = parseExternalDnsArgs(container.args);
  if (flags.provider !== "cloudflare" || flags.registry !== "txt" || !flags.sources.includes("ingress")) return [];
  const token = envValue(store, ref.namespace, container.env, "CF_API_TOKEN");
  if (!token) throw new Error("external-dns: invalid credentials: no API token in CF_API_TOKEN");
  const cf = cloudflareCalls(deps.cloudflareUrl, token, "external-dns", deps.fetch ?? fetch);
  const desired = ingressEndpoints(store, flags.domainFilters);
  const changes: string[] = [];
  // The Cloudflare provider applies changes one by one; a refused one is logged and the rest still go.
  const change = async (line: string, method: string, path: string, body?: unknown) => {
    try {
      await cf.send(method, path, body);
      changes.push(line);
    } catch (err) {
      changes.push(`FAILED ${line}: ${(err as Error).message}`);
    }
  };
  const zones = (await cf.list<{ id: string; name: string }>("/zones", 50))
    .filter((z) =>
      flags.domainFilters.length === 0 ||
      flags.domainFilters.some((f) => inDomain(f, [z.name]) || inDomain(z.name, [f]))
    );
  for (const zone of zones) {
    const records = await cf.list<CfRecord>(`/zones/${zone.id}/dns_records`, 100);
    const path = `/zones/${zone.id}/dns_records`;
    const wanted = desired.filter((e) =>
      inDomain(e.name, [zone.name]) &&
      !zones.some((z) =>
        z.name.length > zone.name.length && inDomain(z.name, [zone.name]) && inDomain(e.name, [z.name])
      )
    );
    const owners = registryOwners(records);
    for (const ep of wanted) {
      const current = records.filter((r) => r.type === ep.type && r.name === ep.name);
      const owner = owners.get(`${ep.type} ${ep.name}`);
      if (current.length > 0 && owner !== flags.ownerId) continue; // someone else's (or nobody's) record
      if (current.length === 0 && owner !== undefined && owner !== flags.ownerId) continue;
      if (current.length > 0 && flags.policy === "create-only") continue;
      for (const target of ep.targets.filter((t) => !current.some((r) => r.content === t))) {
        const body = { type: ep.type, name: ep.name, content: target, ttl: 1, proxied: false };
        await change(`CREATE ${ep.type} ${ep.name} ${target}`, "POST", path, body);
      }
      for (const r of current.filter((r) => !ep.targets.includes(r.content))) {
        await change(`DELETE ${r.type} ${r.name} ${r.content}`, "DELETE", `${path}/${r.id}`);
      }
      const txtName = `${ep.type.toLowerCase()}-${ep.name}`;
      const txt = registryContent(flags.ownerId, ep.resource);
      if (!records.some((r) => r.type === "TXT" && r.name === txtName)) {
        await change(`CREATE TXT ${txtName}`, "POST", path, { type: "TXT", name: txtName, content: txt, ttl: 1 });
      }
    }
    if (flags.policy !== "sync") continue;
    for (const [key, owner] of owners) {
      if (owner !== flags.ownerId || wanted.some((e) => `${e.type} ${e.name}` === key)) continue;
      const [type, name] = key.split(" ") as [string, string];
      for (const r of records.filter((r) => r.type === type && r.name === name)) {
        await change(`DELETE ${r.type} ${r.name} ${r.content}`, "DELETE", `${path}/${r.id}`);
      }
      for (const r of records.filter((r) => r.type === "TXT" && r.name === `${type.toLowerCase()}-${name}`)) {
        await change(`DELETE TXT ${r.name}`, "DELETE", `${path}/${r.id}`);
      }
    }
  }
  return changes;
}

/** The registry TXT content external-dns writes (labels sorted, quoted). */
export function registryContent(owner: string, resource: string): string {
  return `"heritage=external-dns,external-dns/owner=${owner},external-dns/resource=${resource}"`;
}

interface CfRecord {
  id: string;
  type: string;
  name: string;
  content: string;
}

/** The owner of each managed record name and type by the zone's registry TXT records (new format first). */
function registryOwners(records: readonly CfRecord[]): Map<string, string> {
  const owners = new Map<string, string>();
  const oldFormat = new Map<string, string>();
  for (const r of records) {
    if (r.type !== "TXT") continue;
    const tokens = r.content.replace(/^"(.*)"$/s, "$1").split(",");
    if (!tokens.includes("heritage=external-dns")) continue;
    const owner = tokens.find((t) => t.startsWith("external-dns/owner="))?.slice("external-dns/owner=".length) ?? "";
    const first = r.name.split("-")[0]!;
    if (TXT_PREFIX_TYPES.includes(first) && r.name.length > first.length + 1) {
      owners.set(`${first.toUpperCase()} ${r.name.slice(first.length + 1)}`, owner);
    } else oldFormat.set(r.name, owner);
  }
  for (const r of records) {
    if (!MANAGED_TYPES.includes(r.type) || r.type === "AAAA") continue;
    const key = `${r.type} ${r.name}`;
    const old = oldFormat.get(r.name);
    if (!owners.has(key) && old !== undefined) owners.set(key, old);
  }
  return owners;
}

/** A Go duration such as `1m`, `30s`, `1m30s`, `500ms` in ms. */
export function goDurationMs(text: string): number {
  const unit: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 1e-6 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text) {
    throw new Error(`flag --interval: invalid duration "${text}"`);
  }
  return parts.reduce((ms, p) => ms + Number(p[1]) * unit[p[2]!]!, 0);
}

/** The sync interval of the cluster's external-dns (simulated ms), undefined while it does not run. */
export function externalDnsInterval(store: FakeKubeStore): number | undefined {
  if (!deploymentReady(store, EXTERNAL_DNS_DEPLOYMENT)) return undefined;
  const container = deploymentContainer(store, EXTERNAL_DNS_DEPLOYMENT);
  return container ? parseExternalDnsArgs(container.args).intervalMs : undefined;
}

function normalize(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, "");
}

/** True when `name` is one of `domains` or below one. */
function inDomain(name: string, domains: readonly string[]): boolean {
  return domains.length === 0 || domains.some((d) => name === d || name.endsWith(`.${d}`));
}
