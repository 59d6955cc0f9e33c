/**
 * `k8zner destroy` as one function: one discovery pass by the cluster's labels (plus the cloud
 * controller's load balancers and CSI volumes proven to be this cluster's), the listing with the
 * monthly cost it frees, the user's confirmation, the deletion in dependency order, a second
 * discovery proving the cloud is clean, and only then (when asked) the local credentials.
 *
 * Nothing without this cluster's label is ever touched: the earlier implementation deleted every
 * cloud-controller load balancer in the project (inventory §10).
 *
 * @module
 */
import type { ClusterDeps } from "../cluster/infra/deps.ts";
import { type CostLine, type Money } from "../cluster/cost/cost.ts";
import { executeDestroy } from "../cluster/destroy/destroy.ts";
import {
  type DestroyItem,
  destroyItems,
  type DestroyPlan,
  freedMonthlyCost,
  planDestroy,
} from "../cluster/destroy/plan.ts";
import { discoverCluster } from "../cluster/infra/discover.ts";
import { deleteDnsRecords, type DnsCleanupPlan, planDnsCleanup } from "../cluster/destroy/dns_records.ts";
import type { CloudflareClient, DnsRecord, Zone } from "../cloudflare/mod.ts";
import { UserFacingError } from "../lib/errors.ts";
import type { ProgressSink } from "../lib/progress.ts";
import type { StopOperatorResult } from "./destroy_operator.ts";

/** The monthly cost the deletion frees, from live prices. */
export interface FreedCost {
  currency: string;
  lines: CostLine[];
  total: Money;
}

/** What destroy found and would delete. */
export interface DestroyListing {
  cluster: string;
  plan: DestroyPlan;
  /** Everything to delete, in deletion order. */
  items: DestroyItem[];
  /** Undefined when there is nothing to delete or the price list could not be read (see notes). */
  cost: FreedCost | undefined;
  notes: string[];
  /** The cluster's local credentials directory. */
  secretsDir: string;
  secretsDirExists: boolean;
  /** This cluster's Cloudflare DNS records (undefined without a domain in the config). */
  dns: DnsListing | undefined;
  /** What destroy keeps on purpose besides snapshots and credentials (e.g. the backup bucket). */
  kept: string[];
}

/** What destroy found in Cloudflare: records to delete, or why it could not look. */
export type DnsListing =
  | { status: "found"; domain: string; zone: Zone; records: DnsRecord[] }
  | { status: "no-zone"; domain: string }
  | { status: "skipped"; domain: string; reason: string }
  | { status: "unavailable"; domain: string; reason: string };

/** How to reach the cluster's DNS records: a client, or why there is none (e.g. no CF_API_TOKEN). */
export type DnsAccess =
  | { domain: string; owner: string; cf: CloudflareClient }
  | { domain: string; skipped: string };

/** How a destroy run ended. */
export type DestroyStatus = "nothing-to-delete" | "deleted" | "dry-run";

/** The result of {@link runDestroy}. */
export interface DestroyOutcome {
  status: DestroyStatus;
  listing: DestroyListing;
  /** Objects deleted by this run. */
  deleted: number;
  /** What happened to `./secrets/<cluster>/`. */
  secrets: "kept" | "removed" | "absent";
  /** The Cloudflare records deleted, and those left (with why) when a deletion failed. */
  dns?: { deleted: DnsRecord[]; left: { record: DnsRecord; reason: string }[]; warning?: string };
}

/** Dependencies of {@link runDestroy}. */
export interface DestroyDeps {
  /** The Hetzner client, action waiter, sleep and clock of the delete steps. */
  cluster: ClusterDeps;
  progress: ProgressSink;
  /** Shows the listing before anything is deleted (the CLI prints it). */
  show(listing: DestroyListing): void;
  /**
   * Asks to go ahead (the CLI: `--yes`, or the user typing the cluster name). Resolving false or
   * throwing deletes nothing. Not called when there is nothing to delete.
   */
  confirm(listing: DestroyListing): Promise<boolean>;
  /** True when the directory exists. */
  exists(path: string): Promise<boolean>;
  /** Removes a directory and its content. */
  removeDir(path: string): Promise<void>;
  /**
   * Stops the cluster's operator before anything is deleted (`destroy_operator.ts`), so it cannot create
   * again what destroy deletes. Absent when there is no kubeconfig to reach the cluster with.
   */
  stopOperator?(): Promise<StopOperatorResult>;
  /** The cluster's DNS zone in Cloudflare (absent without a domain in the config). */
  dns?: DnsAccess;
  /** Kept resources to list (e.g. `bucket demo-etcd-backups (etcd backups; never deleted by k8zner)`). */
  kept?: string[];
}

/** Options of {@link runDestroy}. */
export interface DestroyOptions {
  cluster: string;
  secretsDir: string;
  /** Remove `secretsDir` once the cloud holds nothing of the cluster. */
  purgeSecrets: boolean;
  /** List only; never ask, never delete. */
  dryRun: boolean;
}

/** Thrown when the user does not confirm: nothing was deleted (exit 1). */
export class DestroyNotConfirmedError extends UserFacingError {
  override name = "DestroyNotConfirmedError";
}

/** Discovers the cluster and prices what would be deleted. Read-only (GETs only). */
export async function listDestroy(
  deps: Pick<DestroyDeps, "cluster" | "exists" | "dns" | "kept">,
  options: Pick<DestroyOptions, "cluster" | "secretsDir">,
): Promise<DestroyListing> {
  const observed = await discoverCluster(deps.cluster.hc, options.cluster);
  const plan = planDestroy(observed);
  const items = destroyItems(plan);
  const notes: string[] = [];
  let cost: FreedCost | undefined;
  if (items.length > 0) {
    try {
      const pricing = await deps.cluster.hc.pricing.get();
      const freed = freedMonthlyCost(plan, pricing);
      notes.push(...freed.notes);
      const sum = (pick: (m: Money) => number) =>
        Math.round(freed.lines.reduce((s, l) => s + pick(l.monthly), 0) * 10_000) / 10_000;
      cost = {
        currency: pricing.currency,
        lines: freed.lines,
        total: { net: sum((m) => m.net), gross: sum((m) => m.gross) },
      };
    } catch (err) {
      // Pricing is information; it must never stand between the user and deleting what costs money.
      notes.push(`The freed cost is unknown: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return {
    cluster: options.cluster,
    plan,
    items,
    cost,
    notes,
    secretsDir: options.secretsDir,
    secretsDirExists: await deps.exists(options.secretsDir),
    dns: deps.dns ? await listDns(deps.dns) : undefined,
    kept: deps.kept ?? [],
  };
}

/** Looks up the cluster's records; a Cloudflare failure is reported in the listing, never thrown. */
async function listDns(access: DnsAccess): Promise<DnsListing> {
  if ("skipped" in access) return { status: "skipped", domain: access.domain, reason: access.skipped };
  try {
    const plan: DnsCleanupPlan = await planDnsCleanup(access.cf, access.domain, access.owner);
    if (plan.status === "no-zone") return plan;
    return { status: "found", domain: access.domain, zone: plan.zone, records: plan.records };
  } catch (err) {
    return { status: "unavailable", domain: access.domain, reason: err instanceof Error ? err.message : String(err) };
  }
}

/** The records destroy will delete (none unless found). */
export function dnsRecordsToDelete(listing: DestroyListing): DnsRecord[] {
  return listing.dns?.status === "found" ? listing.dns.records : [];
}

/**
 * Lists, confirms, deletes, verifies, and (with `purgeSecrets`) removes the credentials. Throws
 * {@link DestroyNotConfirmedError} when not confirmed, and the delete step's UserFacingError
 * (naming what is left) when a deletion failed; the credentials are kept in both cases.
 */
export async function runDestroy(deps: DestroyDeps, options: DestroyOptions): Promise<DestroyOutcome> {
  const listing = await listDestroy(deps, options);
  deps.show(listing);
  if (options.dryRun) {
    return {
      status: "dry-run",
      listing,
      deleted: 0,
      secrets: listing.secretsDirExists ? "kept" : "absent",
    };
  }
  let deleted = 0;
  const records = dnsRecordsToDelete(listing);
  let dns: DestroyOutcome["dns"];
  if (listing.items.length > 0 || records.length > 0) {
    if (!(await deps.confirm(listing))) {
      throw new DestroyNotConfirmedError(
        `Cannot destroy cluster "${options.cluster}": not confirmed; nothing was deleted`,
        {
          hint: `Type the cluster name exactly (${options.cluster}) when asked, or pass --yes.`,
        },
      );
    }
    try {
      if (deps.stopOperator && listing.plan.servers.length > 0) {
        const task = deps.progress.task("Operator");
        task.start("stopping it, so it does not recreate what is deleted");
        const stopped = await deps.stopOperator();
        if (stopped.outcome === "skipped") {
          task.skip(stopped.detail);
          deps.progress.note(`note: could not stop the operator first: ${stopped.detail}; deleting anyway`);
        } else task.done(stopped.detail);
      }
      if (listing.items.length > 0) {
        deleted = (await executeDestroy(deps.cluster, listing.plan, deps.progress)).deleted;
      }
      // After the servers: external-dns is gone with them and cannot write the records again.
      if (records.length > 0 && deps.dns && "cf" in deps.dns && listing.dns?.status === "found") {
        dns = await deleteDns(deps.dns.cf, listing.dns, deps.progress);
      }
    } finally {
      deps.progress.close();
    }
    const left = listing.items.length > 0
      ? destroyItems(planDestroy(await discoverCluster(deps.cluster.hc, options.cluster)))
      : [];
    if (left.length > 0) {
      throw new UserFacingError(
        `Cannot finish destroying cluster "${options.cluster}": ${left.length} resource(s) still carry its label ` +
          `(${left.map((i) => `${i.kind} ${i.name}`).join(", ")}); the credentials were kept`,
        { hint: "Something may have created them meanwhile (an operator still running?). Run destroy again." },
      );
    }
  }
  let secrets: DestroyOutcome["secrets"] = listing.secretsDirExists ? "kept" : "absent";
  if (options.purgeSecrets && listing.secretsDirExists) {
    await deps.removeDir(options.secretsDir);
    secrets = "removed";
  }
  const status = listing.items.length > 0 || records.length > 0 ? "deleted" : "nothing-to-delete";
  return { status, listing, deleted, secrets, ...(dns ? { dns } : {}) };
}

/**
 * Deletes the cluster's DNS records. Cloudflare failing here is a warning naming what is left, not a
 * failed destroy: the servers are gone, and a second run (or the user) removes the rest.
 */
async function deleteDns(
  cf: CloudflareClient,
  found: Extract<DnsListing, { status: "found" }>,
  progress: ProgressSink,
): Promise<NonNullable<DestroyOutcome["dns"]>> {
  const task = progress.task("DNS records");
  task.start(`${found.records.length} to delete in Cloudflare zone ${found.zone.name}`);
  const result = await deleteDnsRecords(cf, { status: "found", zone: found.zone, records: found.records });
  const left = result.failures.map((f) => ({
    record: f.record,
    reason: f.error instanceof Error ? f.error.message : String(f.error),
  }));
  if (left.length === 0) {
    task.done(`${result.deleted.length} deleted`);
    return { deleted: result.deleted, left };
  }
  task.fail(`${left.length} of ${found.records.length} left`);
  const warning =
    `warning: ${left.length} Cloudflare DNS record(s) of this cluster are left in zone ${found.zone.name}: ` +
    left.map((l) => `${l.record.type} ${l.record.name}`).join(", ") +
    ` (${left[0]!.reason}); run destroy again with CF_API_TOKEN set, or delete them in the Cloudflare dashboard`;
  progress.note(warning);
  return { deleted: result.deleted, left, warning };
}
