/**
 * kube-controller-manager's EndpointSlice controller for a local cloud cluster: every Service with a
 * selector gets one `discovery.k8s.io/v1` EndpointSlice (`<service>-<hash>`, labels
 * `kubernetes.io/service-name` and `endpointslice.kubernetes.io/managed-by`, owned by the Service)
 * listing the pods its selector matches, each with `conditions.ready` from the pod's readiness, its
 * node and a `targetRef`; ports are the Service's ports with `targetPort` resolved against the pod's
 * container ports (a named port a pod does not declare leaves the port out, as the controller does).
 *
 * Pods are the real Pod objects (DaemonSet pods, the operator's) that have an IP, and the replicas
 * the Deployment/StatefulSet stand-ins model without Pod objects (replica_workloads.ts); those get a
 * stable made-up address in the pod network (they have no other). The API server's admission webhook
 * resolver reads these slices (tests/kube_fake/admission_webhooks.ts), so a webhook answers exactly
 * when its Deployment has a ready replica.
 *
 * @module
 */
import type { FakeKubeStore, KubeObj } from "../kube_fake/mod.ts";
import { matchLabelSelector } from "../kube_fake/selectors.ts";
import type { ModelledPod } from "./replica_workloads.ts";
import { podReady, templateHash } from "./workload_pods.ts";

export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";
const MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by";
const MANAGED_BY = "endpointslice-controller.k8s.io";

interface Candidate {
  namespace: string;
  name: string;
  uid?: string;
  labels: Record<string, string>;
  spec: PodSpec;
  nodeName: string;
  ip: string;
  ready: boolean;
}

interface PodSpec {
  containers?: Array<{ ports?: Array<{ name?: string; containerPort: number; protocol?: string }> }>;
}

interface ServicePort {
  name?: string;
  port: number;
  protocol?: string;
  targetPort?: number | string;
}

/** A stable address in 10.244.0.0/16 for a modelled pod (the pod network our configs use). */
function modelledIp(namespace: string, name: string): string {
  let h = 0x811c9dc5;
  for (const ch of `${namespace}/${name}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return `10.244.${(h >>> 8) % 256}.${1 + (h % 254)}`;
}

function candidates(store: FakeKubeStore, modelled: readonly ModelledPod[]): Candidate[] {
  const real = store.viewObjects("v1", "Pod").flatMap((pod): Candidate[] => {
    const meta = pod.metadata as { name: string; namespace: string; uid: string; labels?: Record<string, string> };
    const status = (pod.status ?? {}) as { podIP?: string; phase?: string };
    if (!status.podIP || (meta as { deletionTimestamp?: string }).deletionTimestamp) return [];
    return [{
      namespace: meta.namespace,
      name: meta.name,
      uid: meta.uid,
      labels: meta.labels ?? {},
      spec: (pod.spec ?? {}) as PodSpec,
      nodeName: String((pod.spec as { nodeName?: string }).nodeName ?? ""),
      ip: status.podIP,
      ready: podReady(pod),
    }];
  });
  // A pod that has not started has no IP yet, so no endpoint.
  const fake = modelled.filter((p) => p.running).map((p): Candidate => ({
    namespace: p.namespace,
    name: p.name,
    labels: p.template.metadata?.labels ?? {},
    spec: (p.template.spec ?? {}) as PodSpec,
    nodeName: p.nodeName,
    ip: modelledIp(p.namespace, p.name),
    ready: p.ready,
  }));
  return [...real, ...fake];
}

/** The container port a Service port's `targetPort` names on this pod, or undefined. */
function resolvePort(port: ServicePort, spec: PodSpec): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === "number") return target;
  if (/^\d+$/.test(target)) return Number(target);
  for (const c of spec.containers ?? []) {
    const found = (c.ports ?? []).find((p) => p.name === target && (p.protocol ?? "TCP") === (port.protocol ?? "TCP"));
    if (found) return found.containerPort;
  }
  return undefined;
}

/** One pass over a cluster's Services; returns the slices written or removed (`namespace/name`). */
export function reconcileEndpointSlices(store: FakeKubeStore, modelled: readonly ModelledPod[]): string[] {
  const changed: string[] = [];
  const pods = candidates(store, modelled);
  const wanted = new Set<string>();
  for (const svc of store.viewObjects("v1", "Service")) {
    const meta = svc.metadata as { name: string; namespace: string; uid: string };
    const spec = (svc.spec ?? {}) as { selector?: Record<string, string>; ports?: ServicePort[]; type?: string };
    if (!spec.selector || Object.keys(spec.selector).length === 0 || spec.type === "ExternalName") continue;
    const matches = matchLabelSelector({ matchLabels: spec.selector });
    const selected = pods.filter((p) => p.namespace === meta.namespace && matches({ metadata: { labels: p.labels } }))
      .sort((a, b) => a.name.localeCompare(b.name));
    // The controller groups endpoints by their resolved port set; one slice per Service is enough here
    // because every pod of one workload resolves the same ports. Without pods: a slice with no ports.
    const ports = (spec.ports ?? []).flatMap((p) => {
      const resolved = selected.map((pod) => resolvePort(p, pod.spec)).find((n) => n !== undefined);
      return resolved === undefined ? [] : [{ name: p.name ?? "", port: resolved, protocol: p.protocol ?? "TCP" }];
    });
    const name = `${meta.name}-${templateHash(meta.uid).slice(0, 5)}`;
    wanted.add(`${meta.namespace}/${name}`);
    const slice: KubeObj = {
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: {
        name,
        namespace: meta.namespace,
        labels: { [SERVICE_NAME_LABEL]: meta.name, [MANAGED_BY_LABEL]: MANAGED_BY },
        ownerReferences: [{
          apiVersion: "v1",
          kind: "Service",
          name: meta.name,
          uid: meta.uid,
          controller: true,
          blockOwnerDeletion: true,
        }],
      },
      addressType: "IPv4",
      endpoints: selected.map((p) => ({
        addresses: [p.ip],
        conditions: { ready: p.ready, serving: p.ready, terminating: false },
        ...(p.nodeName ? { nodeName: p.nodeName } : {}),
        targetRef: { kind: "Pod", namespace: p.namespace, name: p.name, ...(p.uid ? { uid: p.uid } : {}) },
      })),
      ports,
    };
    const old = store.viewObject("discovery.k8s.io/v1", "EndpointSlice", name, meta.namespace);
    const same = old !== undefined &&
      JSON.stringify([old.endpoints, old.ports, (old.metadata as { labels?: unknown }).labels]) ===
        JSON.stringify([slice.endpoints, slice.ports, (slice.metadata as { labels?: unknown }).labels]);
    if (!same) {
      store.put(slice);
      changed.push(`${meta.namespace}/${name}`);
    }
  }
  for (const slice of store.viewObjects("discovery.k8s.io/v1", "EndpointSlice")) {
    const meta = slice.metadata as { name: string; namespace: string; labels?: Record<string, string> };
    if (meta.labels?.[MANAGED_BY_LABEL] !== MANAGED_BY || wanted.has(`${meta.namespace}/${meta.name}`)) continue;
    store.remove("discovery.k8s.io/v1", "EndpointSlice", meta.name, meta.namespace);
    changed.push(`${meta.namespace}/${meta.name}`);
  }
  return changed;
}
