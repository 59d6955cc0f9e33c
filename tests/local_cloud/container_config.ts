/**
 * Whether the kubelet could start a pod's containers: a non-optional `secretKeyRef`/`configMapKeyRef` in
 * `env`, or a non-optional `secretRef`/`configMapRef` in `envFrom`, naming a Secret, ConfigMap or key that
 * does not exist leaves the container waiting with `CreateContainerConfigError` (the pod never becomes
 * ready, so its Deployment never becomes available and Helm's `--wait` times out). external-dns reading
 * its Cloudflare token from the `cloudflare-api-token` Secret is the case that matters here.
 *
 * @module
 */
import type { FakeKubeStore } from "../kube_fake/mod.ts";
import { ContainerConfigError, resolveContainerEnv } from "./pod_env.ts";

interface Container {
  env?: Parameters<typeof resolveContainerEnv>[0];
  envFrom?: Array<
    { secretRef?: { name: string; optional?: boolean }; configMapRef?: { name: string; optional?: boolean } }
  >;
}

/** The kubelet's `CreateContainerConfigError` message for the first container that cannot start, or undefined. */
export function containerConfigError(
  store: FakeKubeStore,
  namespace: string,
  podSpec: { containers?: Container[]; initContainers?: Container[] } | undefined,
): string | undefined {
  const data = (kind: "Secret" | "ConfigMap") => (name: string) => {
    const obj = store.viewObject("v1", kind, name, namespace);
    return obj ? (obj.data ?? {}) as Record<string, string> : undefined;
  };
  const lookups = { secret: data("Secret"), configMap: data("ConfigMap") };
  const pod = { name: "", namespace, uid: "", nodeName: "", podIp: "", hostIp: "", serviceAccountName: "" };
  for (const c of [...(podSpec?.initContainers ?? []), ...(podSpec?.containers ?? [])]) {
    for (const from of c.envFrom ?? []) {
      if (from.secretRef && !from.secretRef.optional && !lookups.secret(from.secretRef.name)) {
        return `secret "${from.secretRef.name}" not found`;
      }
      if (from.configMapRef && !from.configMapRef.optional && !lookups.configMap(from.configMapRef.name)) {
        return `configmap "${from.configMapRef.name}" not found`;
      }
    }
    try {
      resolveContainerEnv(c.env, pod, lookups);
    } catch (err) {
      if (err instanceof ContainerConfigError) return err.message;
      throw err;
    }
  }
  return undefined;
}
