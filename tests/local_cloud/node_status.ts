/**
 * Node and Pod status as the kubelet and the node lifecycle controller write them: the kubelet's
 * conditions (Ready False with the container runtime's `NetworkReady=false` until a CNI runs on the
 * node), the controller's `NodeStatusUnknown` once the node lease stops being renewed, the taints
 * the controller derives from the Ready condition, and a running pod's status.
 *
 * Pure functions of their inputs and a timestamp.
 *
 * @module
 */
import type { KubeObj } from "../kube_fake/mod.ts";
import type { Taint } from "./node_facts.ts";

/** What the kubelet knows about its node's readiness ("starting": restarted, its first checks not done yet). */
export type KubeletReadiness = "network-not-ready" | "starting" | "ready";

/** The kubelet's message while no CNI configuration exists (containerd's CRI status, as kubelet 1.3x prints it). */
export const NETWORK_NOT_READY_MESSAGE = "container runtime network not ready: NetworkReady=false " +
  "reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized";

/** The kubelet's message right after it (re)started, before its first runtime status and PLEG relist. */
export const KUBELET_STARTING_MESSAGE =
  "[container runtime status check may not have completed yet, PLEG is not healthy: pleg has yet to be successful]";

/** The node lifecycle controller's message for a node whose lease expired. */
export const NODE_STATUS_UNKNOWN_MESSAGE = "Kubelet stopped posting node status.";

/** Taints the node lifecycle controller manages from the Ready condition (TaintNodesByCondition, taint-based eviction). */
const CONDITION_TAINTS = ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"];

interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
  lastHeartbeatTime: string;
  lastTransitionTime: string;
}

const PRESSURE: Array<[string, string, string]> = [
  ["MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"],
  ["DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"],
  ["PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"],
];

/**
 * The conditions the kubelet posts; `lastTransitionTime` moves only when a status flips, `lastHeartbeatTime`
 * on every change and on a `heartbeat` (the kubelet reports unchanged status every `nodeStatusReportFrequency`).
 */
export function kubeletConditions(
  previous: Condition[] | undefined,
  readiness: KubeletReadiness,
  now: string,
  heartbeat = false,
): Condition[] {
  const next: Array<Omit<Condition, "lastHeartbeatTime" | "lastTransitionTime">> = [
    ...PRESSURE.map(([type, reason, message]) => ({ type, status: "False" as const, reason, message })),
    readiness === "ready"
      ? { type: "Ready", status: "True", reason: "KubeletReady", message: "kubelet is posting ready status" }
      : {
        type: "Ready",
        status: "False",
        reason: "KubeletNotReady",
        message: readiness === "starting" ? KUBELET_STARTING_MESSAGE : NETWORK_NOT_READY_MESSAGE,
      },
  ];
  return next.map((c) => withTimes(previous, c, now, heartbeat));
}

/** What the node lifecycle controller writes when the lease expired: every kubelet condition Unknown. */
export function unknownConditions(previous: Condition[] | undefined, now: string): Condition[] {
  return (previous ?? []).map((c) =>
    c.status === "Unknown" ? c : {
      ...c,
      status: "Unknown",
      reason: "NodeStatusUnknown",
      message: NODE_STATUS_UNKNOWN_MESSAGE,
      lastTransitionTime: now,
      // The controller keeps the kubelet's last heartbeat: it is when the node was last heard of.
      lastHeartbeatTime: c.lastHeartbeatTime,
    }
  );
}

function withTimes(
  previous: Condition[] | undefined,
  c: Omit<Condition, "lastHeartbeatTime" | "lastTransitionTime">,
  now: string,
  heartbeat: boolean,
): Condition {
  const old = previous?.find((p) => p.type === c.type);
  const same = old !== undefined && old.status === c.status && old.reason === c.reason && old.message === c.message;
  if (same) return heartbeat ? { ...old, lastHeartbeatTime: now } : old;
  return {
    ...c,
    lastHeartbeatTime: now,
    lastTransitionTime: old !== undefined && old.status === c.status ? old.lastTransitionTime : now,
  };
}

/**
 * The taints the node lifecycle controller keeps in line with the Ready condition: `not-ready` for False,
 * `unreachable` for Unknown, each NoSchedule and NoExecute; others' taints are kept.
 */
export function conditionTaints(taints: Taint[], ready: Condition["status"] | undefined, now: string): Taint[] {
  const key = ready === "False" ? CONDITION_TAINTS[0] : ready === "Unknown" ? CONDITION_TAINTS[1] : undefined;
  const kept = taints.filter((t) => !CONDITION_TAINTS.includes(t.key) || t.key === key);
  if (key === undefined) return kept;
  for (const effect of ["NoSchedule", "NoExecute"] as const) {
    if (!kept.some((t) => t.key === key && t.effect === effect)) {
      kept.push(effect === "NoExecute" ? { key, effect, timeAdded: now } : { key, effect });
    }
  }
  return kept;
}

/** The Ready condition's status of a Node object. */
export function readyStatus(node: KubeObj | undefined): Condition["status"] | undefined {
  const conditions = ((node?.status ?? {}) as { conditions?: Condition[] }).conditions;
  return conditions?.find((c) => c.type === "Ready")?.status;
}

/** A pod's status while its containers run, ready or not (the node controller marks pods not ready). */
export function podStatus(pod: KubeObj, hostIp: string, ready: boolean, now: string): Record<string, unknown> {
  const spec = (pod.spec ?? {}) as { containers?: Array<{ name: string; image: string }>; hostNetwork?: boolean };
  const old = (pod.status ?? {}) as Record<string, unknown>;
  const started = typeof old.startTime === "string" ? old.startTime : now;
  const flag = ready ? "True" : "False";
  return {
    phase: "Running",
    hostIP: hostIp,
    hostIPs: [{ ip: hostIp }],
    // Only host-network pods have an address without a CNI to assign one.
    ...(spec.hostNetwork ? { podIP: hostIp, podIPs: [{ ip: hostIp }] } : {}),
    startTime: started,
    qosClass: "BestEffort",
    conditions: [
      { type: "PodScheduled", status: "True", lastTransitionTime: started },
      { type: "Initialized", status: "True", lastTransitionTime: started },
      { type: "ContainersReady", status: flag, lastTransitionTime: now },
      { type: "Ready", status: flag, lastTransitionTime: now },
    ],
    containerStatuses: (spec.containers ?? []).map((c) => ({
      name: c.name,
      image: c.image,
      imageID: "",
      ready,
      restartCount: 0,
      started: true,
      state: { running: { startedAt: started } },
    })),
  };
}

/**
 * A pod's status while its containers keep exiting (the kubelet's CrashLoopBackOff): Running, not
 * ready, every container waiting with `message` and a restart counted.
 */
export function crashLoopStatus(pod: KubeObj, hostIp: string, message: string, now: string): Record<string, unknown> {
  const running = podStatus(pod, hostIp, false, now);
  const old = ((pod.status ?? {}) as { containerStatuses?: Array<{ restartCount?: number }> }).containerStatuses;
  return {
    ...running,
    containerStatuses: (running.containerStatuses as Array<Record<string, unknown>>).map((c, i) => ({
      ...c,
      restartCount: (old?.[i]?.restartCount ?? 0) + 1,
      started: false,
      state: { waiting: { reason: "CrashLoopBackOff", message: `back-off restarting failed container: ${message}` } },
      lastState: { terminated: { exitCode: 1, reason: "Error", startedAt: now, finishedAt: now } },
    })),
  };
}
