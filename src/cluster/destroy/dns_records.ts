/**
 * The Cloudflare DNS records `destroy` removes: external-dns's TXT registry records owned by this
 * cluster (`external-dns/owner=<cluster>`, external-dns's txtOwnerId) and the A/AAAA/CNAME records they
 * name. Nothing of another owner, and nothing without an owner record, is touched.
 *
 * Naming follows external-dns v0.21 (`registry/mapper/mapper.go`, no --txt-prefix/--txt-suffix): the TXT
 * for record `argo.example.com` of type A is `a-argo.example.com`; a TXT whose first dash-separated token
 * is no record type is the old format, naming the record itself, for any type but AAAA
 * (`registry/txt/registry.go`). Selection is pure; the I/O is in {@link planDnsCleanup} and
 * {@link deleteDnsRecords}.
 *
 * @module
 */
import {
  type CloudflareClient,
  deleteDnsRecord,
  type DnsRecord,
  findZoneOf,
  listAllDnsRecords,
  type Zone,
} from "../../cloudflare/mod.ts";

/** Types external-dns puts before the first label of a new-format TXT name (mapper.go `supportedRecords`). */
const TXT_TYPE_PREFIXES = ["a", "aaaa", "cname", "ns", "mx", "ptr", "srv", "naptr"];
/** The record types destroy deletes besides the TXT records (what ingress sources produce). */
const TARGET_TYPES = ["A", "AAAA", "CNAME"];

/** The owner label of an external-dns registry TXT content; undefined when it is none (or encrypted). */
export function externalDnsOwner(content: string): string | undefined {
  const tokens = content.trim().replace(/^"(.*)"$/s, "$1").split(",");
  if (!tokens.includes("heritage=external-dns")) return undefined;
  const owner = tokens.find((t) => t.startsWith("external-dns/owner="));
  return owner?.slice("external-dns/owner=".length);
}

/** The record a registry TXT name stands for: its name and type (undefined type: old format). */
export function ownedRecordOf(txtName: string): { name: string; type: string | undefined } {
  const name = txtName.toLowerCase();
  const first = name.split("-")[0]!;
  if (TXT_TYPE_PREFIXES.includes(first) && name.length > first.length + 1) {
    return { name: name.slice(first.length + 1), type: first.toUpperCase() };
  }
  return { name, type: undefined };
}

/**
 * The records of `owner` in a zone: its registry TXT records and the A/AAAA/CNAME records they name,
 * targets first and the TXT records last, so an interrupted deletion keeps the ownership proof of
 * what is left for the next run. Pure.
 */
export function selectOwnedRecords(records: readonly DnsRecord[], owner: string): DnsRecord[] {
  const txts = records.filter((r) => r.type === "TXT" && externalDnsOwner(r.content) === owner);
  const owned = txts.map((t) => ownedRecordOf(t.name));
  // A name another owner's registry claims is never ours, whatever our TXT says.
  const claimedByOthers = new Set(
    records.filter((r) => r.type === "TXT" && (externalDnsOwner(r.content) ?? owner) !== owner)
      .map((r) => key(ownedRecordOf(r.name))),
  );
  const targets = records.filter((r) => {
    if (!TARGET_TYPES.includes(r.type)) return false;
    const name = r.name.toLowerCase();
    return owned.some((o) =>
      o.name === name && (o.type === r.type || (o.type === undefined && r.type !== "AAAA")) &&
      !claimedByOthers.has(key({ name, type: r.type })) && !claimedByOthers.has(key({ name, type: undefined }))
    );
  });
  return [...targets, ...txts];
}

function key(o: { name: string; type: string | undefined }): string {
  return `${o.type ?? "*"} ${o.name}`;
}

/** What destroy found in Cloudflare. */
export type DnsCleanupPlan =
  | { status: "found"; zone: Zone; records: DnsRecord[] }
  | { status: "no-zone"; domain: string };

/** Finds the zone of `domain` and this cluster's records in it. Read-only. */
export async function planDnsCleanup(
  cf: CloudflareClient,
  domain: string,
  owner: string,
): Promise<DnsCleanupPlan> {
  const zone = await findZoneOf(cf, domain);
  if (zone === undefined) return { status: "no-zone", domain };
  return { status: "found", zone, records: selectOwnedRecords(await listAllDnsRecords(cf, zone.id), owner) };
}

/** The result of {@link deleteDnsRecords}. */
export interface DnsCleanupResult {
  deleted: DnsRecord[];
  failures: { record: DnsRecord; error: unknown }[];
}

/**
 * Deletes the planned records in order (targets, then their TXT records); a record already gone
 * counts as deleted. A target that fails keeps its TXT record, so the next run still knows it is ours.
 */
export async function deleteDnsRecords(
  cf: CloudflareClient,
  plan: Extract<DnsCleanupPlan, { status: "found" }>,
): Promise<DnsCleanupResult> {
  const result: DnsCleanupResult = { deleted: [], failures: [] };
  const failedNames = new Set<string>();
  for (const record of plan.records) {
    if (record.type === "TXT" && failedNames.has(ownedRecordOf(record.name).name)) {
      result.failures.push({ record, error: new Error("kept as the owner record of a record that is left") });
      continue;
    }
    try {
      await deleteDnsRecord(cf, plan.zone.id, record.id);
      result.deleted.push(record);
    } catch (error) {
      result.failures.push({ record, error });
      failedNames.add(record.name.toLowerCase());
    }
  }
  return result;
}
