/**
 * The bucket lifecycle rule that prunes old etcd snapshots, as pure functions: k8zner owns exactly one
 * rule (by its ID) and leaves every other rule of the bucket as it finds it, because
 * PutBucketLifecycleConfiguration replaces the whole configuration.
 *
 * Hetzner Object Storage supports lifecycle expiration (its list of supported actions restricts only
 * `NoncurrentVersionExpiration` to `NoncurrentDays`); it does not support bucket tagging.
 *
 * @module
 */
import { elements, elementText, escapeXml } from "./xml.ts";

/** The ID of the rule k8zner writes; other IDs are someone else's and are kept. */
export const RETENTION_RULE_ID = "k8zner-etcd-backups-retention";

/** What the rule says: objects under `prefix` expire `days` days after they were written. */
export interface RetentionRule {
  prefix: string;
  days: number;
}

const NS = "http://s3.amazonaws.com/doc/2006-03-01/";

function renderRule(rule: RetentionRule): string {
  return `<Rule><ID>${RETENTION_RULE_ID}</ID><Filter><Prefix>${escapeXml(rule.prefix)}</Prefix></Filter>` +
    `<Status>Enabled</Status><Expiration><Days>${rule.days}</Days></Expiration></Rule>`;
}

/** Our rule as found in a lifecycle configuration (undefined when absent, disabled or of another shape). */
export function findRetentionRule(configXml: string): RetentionRule | undefined {
  for (const rule of elements(configXml, "Rule")) {
    if (elementText(rule, "ID") !== RETENTION_RULE_ID) continue;
    if (elementText(rule, "Status") !== "Enabled") return undefined;
    const filter = elements(rule, "Filter")[0];
    const prefix = filter !== undefined ? elementText(filter, "Prefix") : elementText(rule, "Prefix");
    const expiration = elements(rule, "Expiration")[0];
    const days = expiration === undefined ? undefined : Number(elementText(expiration, "Days"));
    if (prefix === undefined || days === undefined || !Number.isInteger(days)) return undefined;
    return { prefix, days };
  }
  return undefined;
}

/**
 * The lifecycle configuration to PUT: the current one's other rules, verbatim, then ours. `current` is
 * undefined when the bucket has none.
 */
export function renderLifecycle(rule: RetentionRule, current?: string): string {
  if (!Number.isInteger(rule.days) || rule.days < 1) {
    throw new RangeError(`Cannot expire snapshots after ${rule.days} days: a whole number of at least 1 is needed`);
  }
  const others = current === undefined ? [] : [...current.matchAll(/<Rule(?:\s[^>]*)?>[\s\S]*?<\/Rule>/g)]
    .map((m) => m[0])
    .filter((raw) => elementText(raw, "ID") !== RETENTION_RULE_ID);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<LifecycleConfiguration xmlns="${NS}">` +
    others.join("") + renderRule(rule) + `</LifecycleConfiguration>`;
}
