/**
 * What the kubelet makes of a container's `env` and `args` (pure): `value`s with `$(VAR)` references to
 * earlier variables expanded, `fieldRef` from the pod (`metadata.name`, `metadata.namespace`,
 * `status.podIP`, `spec.nodeName`, …), `secretKeyRef` from Secrets (a missing non-optional Secret or key
 * stops the container from starting: `CreateContainerConfigError`), and `$(VAR)` in args expanded from
 * the resulting environment (`$$` escapes a `$`; an unknown reference stays as written).
 *
 * @module
 */
import { Buffer } from "node:buffer";

/** The facts of the pod a container runs in. */
export interface PodFacts {
  name: string;
  namespace: string;
  uid: string;
  nodeName: string;
  podIp: string;
  hostIp: string;
  serviceAccountName: string;
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    fieldRef?: { fieldPath: string };
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
  };
}

/** Why a container cannot start (the kubelet's `CreateContainerConfigError` message). */
export class ContainerConfigError extends Error {
  override name = "ContainerConfigError";
}

/**
 * The container's environment. `secret(name)` returns the Secret's `data` (base64 values) or undefined,
 * `configMap(name)` the ConfigMap's `data`. `base` is what the kubelet puts first (service variables).
 */
export function resolveContainerEnv(
  env: readonly EnvVar[] | undefined,
  pod: PodFacts,
  lookups: {
    secret: (name: string) => Record<string, string> | undefined;
    configMap: (name: string) => Record<string, string> | undefined;
  },
  base: Record<string, string> = {},
): Record<string, string> {
  const out: Record<string, string> = { ...base };
  for (const v of env ?? []) {
    if (v.valueFrom === undefined) {
      out[v.name] = expandReferences(v.value ?? "", out);
      continue;
    }
    const { fieldRef, secretKeyRef, configMapKeyRef } = v.valueFrom;
    if (fieldRef) {
      out[v.name] = fieldValue(fieldRef.fieldPath, pod);
    } else if (secretKeyRef) {
      const data = lookups.secret(secretKeyRef.name);
      const value = data?.[secretKeyRef.key];
      if (value === undefined) {
        if (secretKeyRef.optional) continue;
        throw new ContainerConfigError(
          data === undefined
            ? `secret "${secretKeyRef.name}" not found`
            : `couldn't find key ${secretKeyRef.key} in Secret ${pod.namespace}/${secretKeyRef.name}`,
        );
      }
      out[v.name] = Buffer.from(value, "base64").toString("utf8");
    } else if (configMapKeyRef) {
      const data = lookups.configMap(configMapKeyRef.name);
      const value = data?.[configMapKeyRef.key];
      if (value === undefined) {
        if (configMapKeyRef.optional) continue;
        throw new ContainerConfigError(
          data === undefined
            ? `configmap "${configMapKeyRef.name}" not found`
            : `couldn't find key ${configMapKeyRef.key} in ConfigMap ${pod.namespace}/${configMapKeyRef.name}`,
        );
      }
      out[v.name] = value;
    }
  }
  return out;
}

/** `$(VAR)` references expanded as Kubernetes does (`third_party/forked/golang/expansion`). */
export function expandReferences(text: string, vars: Readonly<Record<string, string>>): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== "$" || i + 1 >= text.length) {
      out += c;
      continue;
    }
    const next = text[i + 1]!;
    if (next === "$") {
      out += "$";
      i++;
    } else if (next === "(") {
      const close = text.indexOf(")", i + 2);
      if (close < 0) {
        out += text.slice(i);
        break;
      }
      const name = text.slice(i + 2, close);
      out += name in vars ? vars[name] : `$(${name})`;
      i = close;
    } else {
      out += c;
    }
  }
  return out;
}

function fieldValue(path: string, pod: PodFacts): string {
  switch (path) {
    case "metadata.name":
      return pod.name;
    case "metadata.namespace":
      return pod.namespace;
    case "metadata.uid":
      return pod.uid;
    case "spec.nodeName":
      return pod.nodeName;
    case "spec.serviceAccountName":
      return pod.serviceAccountName;
    case "status.podIP":
    case "status.podIPs":
      return pod.podIp;
    case "status.hostIP":
    case "status.hostIPs":
      return pod.hostIp;
    default:
      throw new ContainerConfigError(`unsupported fieldRef fieldPath "${path}"`);
  }
}
