/**
 * How healing judges each planned node, from the Node watch and the last server listing only (no request):
 * Ready, NotReady for a while, joining, or unreachable (NotReady past the threshold, or NotReady with its
 * server gone). Pure: the clock comes in as a number.
 *
 * @module
 */
import type { NodeRole, ServerPlan } from "../../../config/mod.ts";
import type { Server } from "../../../hcloud/mod.ts";
import type { KubeObject } from "../../../kube/mod.ts";

/** What healing makes of one planned node. */
export type NodeVerdict =
  /** Node Ready. */
  | "ready"
  /** No Node object (the Compute step creates missing servers; a fresh server's kubelet registers it). */
  | "absent"
  /** A server created or a Node registered less than a threshold ago that is not Ready yet: let it join. */
  | "joining"
  /** NotReady for less than the threshold: watched, not acted on. */
  | "not-ready"
  /** NotReady past the threshold, or NotReady with its server gone: replace it. */
  | "unreachable";

/** One planned node as healing sees it. */
export interface NodeJudgement {
  name: string;
  role: NodeRole;
  /** 1-based index in its pool (replacement order). */
  index: number;
  privateIp: string;
  verdict: NodeVerdict;
  /** The Node object's uid (undefined when there is none). */
  nodeUid: string | undefined;
  /** The Ready condition's status (`Missing` when the Node has none yet). */
  ready: "True" | "False" | "Unknown" | "Missing" | undefined;
  /** How long the Node has been NotReady (from the Ready condition's lastTransitionTime). */
  notReadyForMs: number | undefined;
  /** Epoch ms the Node turned NotReady (for messages that stay the same from pass to pass). */
  notReadySinceMs: number | undefined;
  /** Whether the server of this name was in the last listing. */
  serverExists: boolean;
  /** Milliseconds until a NotReady node crosses the threshold (only for `not-ready` and `joining`). */
  replaceInMs: number | undefined;
}

/** The Ready condition of a Node: its status and since when (epoch ms); undefined status when absent. */
export function readyConditionOf(node: KubeObject): { status: NodeJudgement["ready"]; sinceMs: number | undefined } {
  const conditions = (node.status as { conditions?: unknown } | undefined)?.conditions;
  const ready = Array.isArray(conditions)
    ? conditions.find((c) => c?.type === "Ready") as { status?: string; lastTransitionTime?: string } | undefined
    : undefined;
  const created = parseTime(node.metadata.creationTimestamp);
  if (!ready) return { status: "Missing", sinceMs: created };
  const status = ready.status === "True" || ready.status === "False" ? ready.status : "Unknown";
  return { status, sinceMs: parseTime(ready.lastTransitionTime) ?? created };
}

/**
 * Judges every planned server (control planes first, as `expandSpec` orders them) against the Nodes and
 * servers seen. A Node that is not Ready counts from its Ready condition's last transition; a Node without a
 * Ready condition from its creation. A NotReady Node whose server is gone cannot come back by waiting, so it is
 * unreachable at once.
 */
export function judgeNodes(
  planned: readonly ServerPlan[],
  seen: { readonly nodes: readonly KubeObject[]; readonly servers: readonly Server[] },
  nowMs: number,
  thresholdMs: number,
): NodeJudgement[] {
  const nodes = new Map(seen.nodes.map((n) => [n.metadata.name, n]));
  const servers = new Map(seen.servers.map((s) => [s.name, s]));
  return planned.map((plan) => {
    const node = nodes.get(plan.name);
    const server = servers.get(plan.name);
    const base = {
      name: plan.name,
      role: plan.role,
      index: plan.index,
      privateIp: plan.privateIp,
      nodeUid: node?.metadata.uid,
      serverExists: server !== undefined,
    };
    if (!node) {
      const serverAge = server ? nowMs - (parseTime(server.created) ?? nowMs) : undefined;
      const joining = serverAge !== undefined && serverAge < thresholdMs;
      return {
        ...base,
        verdict: joining ? "joining" : "absent",
        ready: undefined,
        notReadyForMs: undefined,
        notReadySinceMs: undefined,
        replaceInMs: undefined,
      };
    }
    const { status, sinceMs } = readyConditionOf(node);
    if (status === "True") {
      const none = { notReadyForMs: undefined, notReadySinceMs: undefined, replaceInMs: undefined };
      return { ...base, verdict: "ready", ready: status, ...none };
    }
    const notReadyForMs = Math.max(0, nowMs - (sinceMs ?? nowMs));
    const nodeAge = nowMs - (parseTime(node.metadata.creationTimestamp) ?? nowMs);
    let verdict: NodeVerdict;
    if (!server || notReadyForMs >= thresholdMs) verdict = "unreachable";
    else verdict = nodeAge < thresholdMs ? "joining" : "not-ready";
    return {
      ...base,
      verdict,
      ready: status,
      notReadyForMs,
      notReadySinceMs: nowMs - notReadyForMs,
      replaceInMs: verdict === "unreachable" ? undefined : thresholdMs - notReadyForMs,
    };
  });
}

function parseTime(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
