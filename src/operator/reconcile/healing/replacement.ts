/**
 * A replacement in progress, as this process remembers it between passes (`ctx.memory`), and how far it got.
 * Memory only makes the next pass quick and keeps it from starting a second replacement while the first one's
 * Node is still the old object in the watch cache; after a restart every step is found again from the cloud:
 * the etcd member list, the servers by name, and the Nodes (see `judgeNodes` and `decideHealing`).
 *
 * @module
 */
import type { NodeRole } from "../../../config/mod.ts";
import type { NodeJudgement } from "./node_health.ts";

/** Key of the replacement in progress in `ctx.memory`. */
export const REPLACEMENT_MEMORY_KEY = "healing.replacement";

/** The steps of a replacement, in order; a control plane starts at `etcd`, a worker at `remove`. */
export type ReplacementStep = "etcd" | "remove" | "add" | "join";

/** A replacement in progress. */
export interface Replacement {
  name: string;
  role: NodeRole;
  /** The next step to run (`join`: the new node has been added and is awaited). */
  step: ReplacementStep;
  /** Epoch ms the replacement started. */
  startedAt: number;
  /** uid of the Node being replaced: a Node with this uid seen later is the old one, still in the watch cache. */
  replacedUid: string | undefined;
  /** Epoch ms `addNode` returned. */
  addedAt?: number;
}

/** The replacement in progress, if this process remembers one. */
export function readReplacement(memory: ReadonlyMap<string, unknown>): Replacement | undefined {
  const value = memory.get(REPLACEMENT_MEMORY_KEY);
  return isReplacement(value) ? { ...value } : undefined;
}

/** Remembers (a copy of) `replacement`, or forgets it. */
export function writeReplacement(memory: Map<string, unknown>, replacement: Replacement | undefined): void {
  if (replacement) memory.set(REPLACEMENT_MEMORY_KEY, { ...replacement });
  else memory.delete(REPLACEMENT_MEMORY_KEY);
}

/** Where the added node stands. */
export type JoinProgress =
  /** No new Node yet (none, or only the old one still in the cache). */
  | "registering"
  /** The new Node exists but is not Ready yet. */
  | "not-ready"
  /** The new Node is Ready (a control plane also has to vote in etcd). */
  | "ready"
  /** The new Node is NotReady past the threshold, or never registered within it: give up on this attempt. */
  | "failed";

/** How far the node added by `replacement` got (pure; `judgement` is the planned node's current judgement). */
export function joinProgress(
  replacement: Replacement,
  judgement: NodeJudgement,
  nowMs: number,
  thresholdMs: number,
): JoinProgress {
  const fresh = judgement.nodeUid !== undefined && judgement.nodeUid !== replacement.replacedUid;
  if (!fresh) {
    return nowMs - (replacement.addedAt ?? replacement.startedAt) >= thresholdMs ? "failed" : "registering";
  }
  if (judgement.verdict === "ready") return "ready";
  return judgement.verdict === "unreachable" ? "failed" : "not-ready";
}

function isReplacement(value: unknown): value is Replacement {
  const r = value as Replacement | undefined;
  return typeof r?.name === "string" && typeof r.step === "string" && typeof r.startedAt === "number";
}
