/**
 * Hetzner pagination: `page` (from 1) and `per_page` (default 25, at most 50), `meta.pagination`
 * in the body and a `Link` header with the applicable `prev`/`next`/`last` relations.
 *
 * @module
 */
import { invalidField } from "./errors.ts";

/** The `meta.pagination` object. */
export interface PaginationMeta {
  page: number;
  per_page: number;
  previous_page: number | null;
  next_page: number | null;
  last_page: number;
  total_entries: number;
}

/** One page of `items` plus its meta and `Link` header value (empty when there is no other page). */
export function paginate<T>(items: T[], url: URL): { items: T[]; meta: PaginationMeta; link: string } {
  const page = positiveInt(url.searchParams.get("page"), 1, "page");
  const perPage = Math.min(positiveInt(url.searchParams.get("per_page"), 25, "per_page"), 50);
  const lastPage = Math.max(1, Math.ceil(items.length / perPage));
  const meta: PaginationMeta = {
    page,
    per_page: perPage,
    previous_page: page > 1 ? Math.min(page - 1, lastPage) : null,
    next_page: page < lastPage ? page + 1 : null,
    last_page: lastPage,
    total_entries: items.length,
  };
  const pageUrl = (n: number) => {
    const u = new URL(url);
    u.searchParams.set("page", String(n));
    u.searchParams.set("per_page", String(perPage));
    return `<${u.href}>`;
  };
  const links: string[] = [];
  if (meta.previous_page !== null) links.push(`${pageUrl(meta.previous_page)}; rel="prev"`);
  if (meta.next_page !== null) links.push(`${pageUrl(meta.next_page)}; rel="next"`);
  if (lastPage > 1) links.push(`${pageUrl(lastPage)}; rel="last"`);
  return { items: items.slice((page - 1) * perPage, page * perPage), meta, link: links.join(", ") };
}

function positiveInt(raw: string | null, fallback: number, field: string): number {
  if (raw === null || raw === "") return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw invalidField(field, "must be a positive integer");
  return Number(raw);
}
