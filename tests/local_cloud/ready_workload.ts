/**
 * Whether an addon's controller runs in a fake cluster: its Deployment reports a ready replica, as the
 * local cloud's workload controllers count them (so one that cannot schedule, or fails on demand, does
 * nothing). The stand-ins for Traefik, external-dns and cert-manager act only then, as the CCM stand-in
 * does (cloud_node_controller.ts).
 *
 * @module
 */
import type { FakeKubeStore } from "../kube_fake/mod.ts";

/** A Deployment by namespace and name. */
export interface DeploymentRef {
  namespace: string;
  name: string;
}

/** True when the Deployment exists and has at least one ready replica. */
export function deploymentReady(store: FakeKubeStore, ref: DeploymentRef): boolean {
  const deployment = store.viewObject("apps/v1", "Deployment", ref.name, ref.namespace);
  return ((deployment?.status as { readyReplicas?: number } | undefined)?.readyReplicas ?? 0) > 0;
}

/** The first container's args and env of a Deployment (what its process is started with). */
export function deploymentContainer(
  store: FakeKubeStore,
  ref: DeploymentRef,
): { args: string[]; env: EnvVar[] } | undefined {
  const deployment = store.getObject("apps/v1", "Deployment", ref.name, ref.namespace);
  const spec = deployment?.spec as { template?: { spec?: { containers?: { args?: string[]; env?: EnvVar[] }[] } } };
  const container = spec?.template?.spec?.containers?.[0];
  return container ? { args: container.args ?? [], env: container.env ?? [] } : undefined;
}

/** A container env entry (value or a Secret key reference). */
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}

/** The value of env `name`, a Secret key reference resolved in `namespace`; undefined when missing. */
export function envValue(store: FakeKubeStore, namespace: string, env: EnvVar[], name: string): string | undefined {
  const entry = env.find((e) => e.name === name);
  if (entry?.value !== undefined) return entry.value;
  const ref = entry?.valueFrom?.secretKeyRef;
  if (!ref) return undefined;
  return secretValue(store, namespace, ref.name, ref.key);
}

/** A Secret's key, decoded; undefined when the Secret or key is missing. */
export function secretValue(store: FakeKubeStore, namespace: string, name: string, key: string): string | undefined {
  const secret = store.getObject("v1", "Secret", name, namespace);
  const data = (secret?.data ?? {}) as Record<string, string>;
  const encoded = data[key];
  if (encoded === undefined) return undefined;
  return new TextDecoder().decode(Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0)));
}
