/**
 * One line of a plan: what `apply` would do to one object, or why it cannot.
 *
 * @module
 */
import type { ResourceKind } from "./observed.ts";

/** What happens to an object. `conflict` blocks `apply` until the user resolves it. */
export type ChangeAction = "create" | "update" | "delete" | "conflict";

/** One planned change. */
export interface Change {
  action: ChangeAction;
  kind: ResourceKind;
  name: string;
  /** One human sentence: what differs, or what will be created. */
  detail: string;
}
