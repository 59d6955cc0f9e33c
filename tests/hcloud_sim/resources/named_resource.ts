/**
 * The rules every named, labelled Hetzner resource shares in the simulator: a valid name unique
 * among its kind, `GET /<kind>s/{id}`, the `name`/`labels` part of `PUT`, and delete protection.
 * Each resource file declares one {@link NamedResource} and keeps only what is its own.
 *
 * @module
 */
import { SimError, uniquenessError } from "../errors.ts";
import { bodyObject, idParam, mustGet, optionalString, type Route, type SimRequest, validateName } from "../http.ts";
import { validateLabels } from "../label_selector.ts";
import type { SimContext } from "../state.ts";

/** A stored record with an id, a name and labels. */
export interface NamedRecord {
  id: number;
  /** Images may be unnamed; every other kind has a name. */
  name: string | null;
  labels: Record<string, string>;
}

/** How one kind of resource is named and stored. */
export interface NamedResourceOptions<T extends NamedRecord> {
  /** API kind as in paths, bodies and `not_found` errors: `primary_ip`. */
  kind: string;
  /** What error messages call one: `primary IP`. */
  noun: string;
  /** The records of this kind in a simulator state. */
  records: (ctx: SimContext) => Map<number, T>;
  /** Names must be RFC 1123 hostnames (servers). */
  hostname?: boolean;
}

/** Shared name, lookup, update and protection rules of one resource kind. */
export class NamedResource<T extends NamedRecord> {
  readonly kind: string;
  readonly noun: string;
  readonly #records: (ctx: SimContext) => Map<number, T>;
  readonly #hostname: boolean;

  constructor(options: NamedResourceOptions<T>) {
    this.kind = options.kind;
    this.noun = options.noun;
    this.#records = options.records;
    this.#hostname = options.hostname ?? false;
  }

  /** Validates `name` and rejects it (`uniqueness_error`) when another record (not `except`) uses it. */
  uniqueName(ctx: SimContext, name: string, except?: number): string {
    validateName(name, this.#hostname);
    for (const r of this.#records(ctx).values()) {
      if (r.name === name && r.id !== except) {
        throw uniquenessError(`${this.noun} name "${name}" is already used`, ["name"]);
      }
    }
    return name;
  }

  /** The record named by the request's `{id}` path parameter, or `not_found`. */
  fromPath(ctx: SimContext, req: SimRequest): T {
    return mustGet(this.#records(ctx), idParam(req, this.kind), this.kind);
  }

  /** Like {@link fromPath}, and refuses (`locked`) while a running action holds the record. */
  fromPathUnlocked(ctx: SimContext, req: SimRequest): T {
    const record = this.fromPath(ctx, req);
    ctx.engine.assertUnlocked(this.kind, record.id);
    return record;
  }

  /** Applies the `name` and `labels` fields of a `PUT` body, the ones every kind lets a client change. */
  updateNameAndLabels(ctx: SimContext, record: T, body: Record<string, unknown>): void {
    const name = optionalString(body, "name");
    if (name !== undefined) record.name = this.uniqueName(ctx, name, record.id);
    if (body.labels !== undefined) record.labels = validateLabels(body.labels);
  }

  /** Rejects deleting a delete-protected record (423 `protected`). */
  assertNotProtected(record: T & { protection: { delete: boolean } }): void {
    if (record.protection.delete) {
      throw new SimError(423, "protected", `${this.noun} ${record.id} is delete-protected`);
    }
  }

  /** `GET <path>/{id}`, answering `{ <kind>: render(record) }`. */
  getRoute(path: string, render: (ctx: SimContext, record: T) => unknown): Route {
    return {
      method: "GET",
      pattern: `${path}/{id}`,
      handler: (ctx, req) => ({ status: 200, body: { [this.kind]: render(ctx, this.fromPath(ctx, req)) } }),
    };
  }

  /**
   * `PUT <path>/{id}`: name and labels, then `extra` for the kind's own fields; answers
   * `{ <kind>: render(record) }`.
   */
  updateRoute(
    path: string,
    render: (ctx: SimContext, record: T) => unknown,
    extra?: (record: T, body: Record<string, unknown>) => void,
  ): Route {
    return {
      method: "PUT",
      pattern: `${path}/{id}`,
      handler: (ctx, req) => {
        const record = this.fromPath(ctx, req);
        const body = bodyObject(req);
        this.updateNameAndLabels(ctx, record, body);
        extra?.(record, body);
        return { status: 200, body: { [this.kind]: render(ctx, record) } };
      },
    };
  }
}
