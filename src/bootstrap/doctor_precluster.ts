/**
 * `k8zner doctor` before a cluster exists: is the Hetzner token accepted, does the region exist,
 * can the planned server types be ordered there, how much of the project's budget is left, and
 * which addresses the firewall will let reach the Kubernetes and Talos APIs.
 *
 * @module
 */
import type { DesiredState } from "../config/mod.ts";
import { type HcloudClient, HcloudError, isHcloudError, type ServerType } from "../hcloud/mod.ts";
import type { Location } from "../hcloud/mod.ts";
import { UserFacingError } from "../lib/errors.ts";
import type { DoctorCheck } from "./doctor_report.ts";

/** Dependencies of {@link runPreClusterChecks}. */
export interface PreClusterDeps {
  /** The Hetzner client, or undefined when `HCLOUD_TOKEN` is not set. */
  hc: HcloudClient | undefined;
  /** Detects the caller's public IPv4 (only called when the config has no `api_allowlist`). */
  detectCallerIp: () => Promise<string>;
  /** Where `detectCallerIp` asks, for messages. */
  ipUrl: string;
  now: () => Date;
}

const SECTION_PROJECT = "Hetzner project";
const SECTION_ACCESS = "API access";

/** Below this many remaining requests of the hourly budget, doctor warns (an apply needs about 100). */
export const LOW_RATE_BUDGET = 200;

/**
 * Runs the pre-cluster checks. Never throws for an API problem: each one becomes a failed check
 * with a hint, and checks that need the token are skipped once the token is refused.
 */
export async function runPreClusterChecks(deps: PreClusterDeps, desired: DesiredState): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const tokenCheck = await checkToken(deps.hc);
  checks.push(tokenCheck.check);
  if (deps.hc === undefined || tokenCheck.locations === undefined) {
    for (const [id, title] of [["hcloud.region", "Region"], ["hcloud.server_types", "Server types"]] as const) {
      checks.push({ id, section: SECTION_PROJECT, title, status: "skip", detail: "needs an accepted API token" });
    }
  } else {
    checks.push(checkRegion(tokenCheck.locations, desired.cluster.region));
    checks.push(...await checkServerTypes(deps.hc, desired, deps.now()));
    checks.push(await checkProjectLimits(deps.hc, desired));
  }
  checks.push(await checkAllowlist(deps, desired));
  return checks;
}

async function checkToken(hc: HcloudClient | undefined): Promise<{ check: DoctorCheck; locations?: Location[] }> {
  const base = { id: "hcloud.token", section: SECTION_PROJECT, title: "Hetzner API token" };
  if (hc === undefined) {
    return {
      check: {
        ...base,
        status: "fail",
        detail: "HCLOUD_TOKEN is not set",
        hint: "Export an API token of your Hetzner Cloud project: Console > Security > API tokens.",
      },
    };
  }
  try {
    const locations = await hc.locations.listAll();
    return { check: { ...base, status: "ok", detail: `accepted by ${hc.endpoint}` }, locations };
  } catch (err) {
    if (isHcloudError(err, "unauthorized")) {
      return {
        check: {
          ...base,
          status: "fail",
          detail: "rejected by the Hetzner API (401 unauthorized)",
          hint: "HCLOUD_TOKEN is not a valid token of any project: create a Read & Write token under " +
            "Console > Security > API tokens and export it again.",
        },
      };
    }
    return { check: { ...base, status: "fail", detail: describe(err), hint: hintOf(err) } };
  }
}

function checkRegion(locations: Location[], region: string): DoctorCheck {
  const base = { id: "hcloud.region", section: SECTION_PROJECT, title: `Region ${region}` };
  const found = locations.find((l) => l.name === region);
  if (!found) {
    return {
      ...base,
      status: "fail",
      detail: `not among the project's locations (${locations.map((l) => l.name).join(", ")})`,
      hint: "Pick another region in k8zner.yaml.",
    };
  }
  return { ...base, status: "ok", detail: `${found.description}, network zone ${found.network_zone}` };
}

/** One check per planned server type: exists, x86, orderable in the region, not being retired. */
async function checkServerTypes(hc: HcloudClient, desired: DesiredState, now: Date): Promise<DoctorCheck[]> {
  let types: ServerType[];
  try {
    types = await hc.serverTypes.listAll();
  } catch (err) {
    return [{
      id: "hcloud.server_types",
      section: SECTION_PROJECT,
      title: "Server types",
      status: "fail",
      detail: describe(err),
      hint: hintOf(err),
    }];
  }
  const region = desired.cluster.region;
  const wanted = new Map<string, string[]>();
  for (const s of desired.servers) {
    const roles = wanted.get(s.server_type) ?? [];
    const role = s.role === "control-plane" ? "control planes" : "workers";
    if (!roles.includes(role)) roles.push(role);
    wanted.set(s.server_type, roles);
  }
  return [...wanted].map(([name, roles]): DoctorCheck => {
    const base = {
      id: `hcloud.server_type.${name}`,
      section: SECTION_PROJECT,
      title: `Server type ${name} (${roles.join(", ")})`,
    };
    const type = types.find((t) => t.name === name);
    if (!type) {
      return { ...base, status: "fail", detail: "the API does not know it", hint: "Pick another size in k8zner.yaml." };
    }
    const size = `${type.cores} vCPU, ${type.memory} GB RAM, ${type.disk} GB disk`;
    if (type.architecture !== "x86") {
      return { ...base, status: "fail", detail: `${type.architecture}, but the Talos image is built for x86` };
    }
    const at = type.locations?.find((l) => l.name === region);
    const deprecation = at?.deprecation ?? type.deprecation ?? null;
    if (deprecation && Date.parse(deprecation.unavailable_after) <= now.getTime()) {
      return {
        ...base,
        status: "fail",
        detail: `no longer orderable in ${region} (unavailable since ${deprecation.unavailable_after.slice(0, 10)})`,
        hint: "Pick a current size in k8zner.yaml.",
      };
    }
    if (type.locations && (!at || at.available === false)) {
      return {
        ...base,
        status: "fail",
        detail: `not available in ${region} right now`,
        hint: "Pick another size or region in k8zner.yaml, or retry later.",
      };
    }
    if (deprecation) {
      return {
        ...base,
        status: "warn",
        detail: `${size}; deprecated, orderable until ${deprecation.unavailable_after.slice(0, 10)}`,
        hint: "Plan a move to a current size.",
      };
    }
    return { ...base, status: "ok", detail: `${size}, available in ${region}` };
  });
}

/**
 * What the API shows of the project's limits: the hourly request budget (from the `RateLimit-*`
 * headers of the calls just made) and how many servers exist. The server quota itself is not in
 * the API (Console > Limits), so it is only mentioned.
 */
async function checkProjectLimits(hc: HcloudClient, desired: DesiredState): Promise<DoctorCheck> {
  const base = { id: "hcloud.limits", section: SECTION_PROJECT, title: "Project limits" };
  let servers: number | undefined;
  try {
    const page = await hc.servers.list({ perPage: 1 });
    servers = page.pagination?.total_entries ?? undefined;
  } catch (err) {
    return { ...base, status: "fail", detail: describe(err), hint: hintOf(err) };
  }
  const budget = hc.budget.snapshot();
  const parts: string[] = [];
  if (budget.remaining !== undefined && budget.limit !== undefined) {
    parts.push(`API budget ${budget.remaining}/${budget.limit} requests left this hour`);
  }
  parts.push(
    `${servers ?? "unknown number of"} server(s) in the project, ${desired.servers.length} planned ` +
      "(the server quota is shown under Console > Limits, not in the API)",
  );
  const low = budget.remaining !== undefined && budget.remaining < LOW_RATE_BUDGET;
  return low
    ? {
      ...base,
      status: "warn",
      detail: parts.join("; "),
      hint: "The project's API budget is low; wait a few minutes before apply (it refills one request per second).",
    }
    : { ...base, status: "ok", detail: parts.join("; ") };
}

async function checkAllowlist(deps: PreClusterDeps, desired: DesiredState): Promise<DoctorCheck> {
  const base = { id: "access.allowlist", section: SECTION_ACCESS, title: "Kubernetes and Talos API allowlist" };
  if (!desired.firewall.needsCallerIp) {
    const sources = desired.firewall.request.rules[0]?.source_ips ?? [];
    return { ...base, status: "ok", detail: `api_allowlist: ${sources.join(", ")}` };
  }
  try {
    const ip = await deps.detectCallerIp();
    return {
      ...base,
      status: "ok",
      detail: `api_allowlist is empty; apply will allow your public IPv4 ${ip}/32 (detected via ${deps.ipUrl})`,
    };
  } catch (err) {
    return {
      ...base,
      status: "fail",
      detail: `api_allowlist is empty and apply could not detect your public IPv4: ${describe(err)}`,
      hint: hintOf(err) ??
        "Set api_allowlist in k8zner.yaml (e.g. [203.0.113.7/32]), or point K8ZNER_IP_URL at a service " +
          "that answers with your IPv4 address.",
    };
  }
}

function describe(err: unknown): string {
  if (err instanceof HcloudError) return err.message;
  return err instanceof Error ? err.message : String(err);
}

function hintOf(err: unknown): string | undefined {
  return err instanceof HcloudError || err instanceof UserFacingError ? err.hint : undefined;
}
