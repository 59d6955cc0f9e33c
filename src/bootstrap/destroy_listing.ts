/**
 * How `k8zner destroy` shows what it will delete and what it did: a table of kind, name, id and
 * detail, the monthly cost freed, and what is kept; or one JSON document. Pure.
 *
 * @module
 */
import { LABEL_KEYS } from "../config/mod.ts";
import { type DestroyListing, type DestroyOutcome, dnsRecordsToDelete } from "./destroy_command.ts";
import { KIND_LABEL } from "./doctor_report.ts";

const money = (n: number) => n.toFixed(2);

/** The listing for a person. `secretsPath` is the credentials directory as shown (e.g. relative). */
export function renderDestroyListing(listing: DestroyListing, secretsPath: string): string {
  const selector = `${LABEL_KEYS.cluster}=${listing.cluster}`;
  if (listing.items.length === 0) {
    const dns = renderDnsListing(listing);
    const none = dnsRecordsToDelete(listing).length === 0;
    return [
      none
        ? `Nothing to delete: no Hetzner resources labelled ${selector}.`
        : `No Hetzner resources labelled ${selector}.`,
      ...(dns.length > 0 ? ["", ...dns] : []),
      ...(listing.kept.length > 0 ? ["", `Kept: ${listing.kept.join("; ")}.`] : []),
    ].join("\n");
  }
  const rows = [
    ["KIND", "NAME", "ID", "DETAIL"],
    ...listing.items.map((i) => [KIND_LABEL[i.kind], i.name, String(i.id), i.detail]),
  ];
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c]!.length)));
  const out = [
    `Cluster "${listing.cluster}": ${listing.items.length} resource(s) labelled ${selector} will be deleted:`,
    "",
    ...rows.map((r) => `  ${r.map((cell, c) => (c < 3 ? cell.padEnd(widths[c]!) : cell)).join("  ")}`.trimEnd()),
    "",
  ];
  if (listing.cost) {
    const c = listing.cost;
    if (c.lines.length === 0) out.push(`Monthly cost freed: ${c.currency} 0.00 (nothing in the list is billed).`);
    else {out.push(
        `Monthly cost freed: ${c.currency} ${money(c.total.net)} net (${money(c.total.gross)} gross), ` +
          "from live Hetzner prices:",
      );}
    // Free items (IPv6 addresses) would only add noise to what the deletion saves.
    for (const l of c.lines.filter((x) => x.monthly.net !== 0 || x.monthly.gross !== 0)) {
      out.push(
        `  ${l.resource}${l.detail ? `, ${l.detail}` : ""}: ${l.count} x ${money(l.unit.net)} = ${
          money(l.monthly.net)
        } net`,
      );
    }
    out.push("");
  }
  const dns = renderDnsListing(listing);
  if (dns.length > 0) out.push(...dns, "");
  for (const note of listing.notes) out.push(`note: ${note}`);
  out.push(
    "Kept: Talos snapshots (shared by clusters of the same Talos version)" +
      listing.kept.map((k) => `; ${k}`).join("") +
      (listing.secretsDirExists ? `, and ${secretsPath}/ (credentials; --purge-secrets removes them)` : "") + ".",
  );
  return out.join("\n");
}

/** The Cloudflare part of the listing: the records to delete, or why they were not looked at. */
function renderDnsListing(listing: DestroyListing): string[] {
  const dns = listing.dns;
  if (dns === undefined) return [];
  if (dns.status === "skipped") return [`DNS records of ${dns.domain} not checked: ${dns.reason}.`];
  if (dns.status === "unavailable") {
    return [`warning: cannot list the DNS records of ${dns.domain} in Cloudflare: ${dns.reason}`];
  }
  if (dns.status === "no-zone") return [`DNS: no Cloudflare zone for ${dns.domain} is visible to CF_API_TOKEN.`];
  if (dns.records.length === 0) {
    return [`DNS: no records of this cluster (external-dns owner ${listing.cluster}) in zone ${dns.zone.name}.`];
  }
  const rows = dns.records.map((r) => [r.type, r.name, r.content]);
  const widths = [0, 1].map((c) => Math.max(...rows.map((r) => r[c]!.length)));
  return [
    `${dns.records.length} Cloudflare DNS record(s) of this cluster in zone ${dns.zone.name} will be deleted ` +
    "(external-dns owner records and the records they name):",
    ...rows.map((r) => `  ${r[0]!.padEnd(widths[0]!)}  ${r[1]!.padEnd(widths[1]!)}  ${r[2]}`),
  ];
}

/** The result line after deleting. */
export function renderDestroyResult(outcome: DestroyOutcome, secretsPath: string): string {
  const lines: string[] = [];
  if (outcome.status === "deleted") {
    lines.push(`Cluster "${outcome.listing.cluster}" destroyed: ${outcome.deleted} resource(s) deleted.`);
  }
  if (outcome.dns && outcome.dns.deleted.length > 0) {
    lines.push(`Deleted ${outcome.dns.deleted.length} Cloudflare DNS record(s).`);
  }
  if (outcome.dns?.warning) lines.push(outcome.dns.warning);
  const dns = outcome.listing.dns;
  if (dns?.status === "unavailable" && outcome.status !== "dry-run") {
    lines.push(
      `warning: the DNS records of ${dns.domain} were not deleted (Cloudflare: ${dns.reason}); run destroy again.`,
    );
  }
  if (outcome.listing.kept.length > 0 && outcome.status !== "dry-run") {
    lines.push(`Kept: ${outcome.listing.kept.join("; ")}.`);
  }
  if (outcome.secrets === "removed") lines.push(`Removed ${secretsPath}/.`);
  else if (outcome.secrets === "kept" && outcome.status !== "dry-run") {
    lines.push(`Kept ${secretsPath}/ (pass --purge-secrets to remove it).`);
  }
  return lines.join("\n");
}

/** The `--json` document: what was (or would be) deleted, the freed cost, and what happened. */
export function renderDestroyJson(outcome: DestroyOutcome, secretsPath: string): string {
  const l = outcome.listing;
  const cents = (n: number) => Math.round(n * 100) / 100;
  return JSON.stringify(
    {
      cluster: l.cluster,
      status: outcome.status,
      items: l.items.map((i) => ({ kind: i.kind, name: i.name, id: i.id, detail: i.detail })),
      monthly_cost_freed: l.cost
        ? {
          currency: l.cost.currency,
          net: cents(l.cost.total.net),
          gross: cents(l.cost.total.gross),
          lines: l.cost.lines.map((x) => ({
            resource: x.resource,
            detail: x.detail,
            count: x.count,
            monthly_net: cents(x.monthly.net),
            monthly_gross: cents(x.monthly.gross),
          })),
        }
        : null,
      deleted: outcome.deleted,
      dns: l.dns === undefined ? null : {
        domain: l.dns.domain,
        status: l.dns.status,
        ...(l.dns.status === "found"
          ? {
            zone: l.dns.zone.name,
            records: l.dns.records.map((r) => ({ type: r.type, name: r.name, content: r.content })),
          }
          : {}),
        ...("reason" in l.dns ? { reason: l.dns.reason } : {}),
        ...(outcome.dns
          ? {
            deleted: outcome.dns.deleted.length,
            left: outcome.dns.left.map((x) => ({ type: x.record.type, name: x.record.name, reason: x.reason })),
          }
          : {}),
      },
      kept: l.kept,
      secrets: { path: secretsPath, action: outcome.secrets },
      notes: l.notes,
    },
    null,
    2,
  );
}
