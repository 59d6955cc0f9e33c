/**
 * Talos's Kubernetes API access as the local cloud's clusters have it (Talos
 * `internal/app/machined/pkg/controllers/kubeaccess`): when a control plane's machine config enables
 * `machine.features.kubernetesTalosAPIAccess`, Talos registers the CRD `serviceaccounts.talos.dev`
 * (talos.dev/v1alpha1, kind ServiceAccount, namespaced) and runs a controller that answers each Talos
 * ServiceAccount with a Secret of the same name, controlled by it, whose key `config` is a talosconfig
 * (context `default`, endpoint `talos.default`) with a client certificate from the cluster's OS CA whose
 * organizations are the requested roles. Like Talos, it refuses a namespace or a role the machine config
 * does not allow (no Secret; `status.failureReason` says "Namespace is not allowed: …" or
 * "Roles not allowed: […]").
 *
 * @module
 */
import { parseAllDocuments } from "yaml";
import type { FakeKubeStore, KubeObj } from "../kube_fake/mod.ts";
import { issueCertificate, parseCertificate } from "../../src/talos/pki.ts";
import { parseTalosconfig, renderTalosconfig } from "../../src/talos/talosconfig.ts";

/** What a control plane's machine config allows (undefined when the feature is off or the node is a worker). */
export interface TalosApiAccess {
  allowedRoles: string[];
  allowedNamespaces: string[];
  /** The OS CA that signs the Secrets' client certificates. */
  osCa: { certPem: string; keyPem: string };
}

const CRD_NAME = "serviceaccounts.talos.dev";
/** The endpoint Talos writes into the talosconfig: its `talos` Service in `default`. */
export const TALOS_SA_ENDPOINT = "talos.default";

function pem(field: unknown): string | undefined {
  return typeof field === "string"
    ? new TextDecoder().decode(Uint8Array.from(atob(field), (c) => c.charCodeAt(0)))
    : undefined;
}

/** Reads `machine.features.kubernetesTalosAPIAccess` of a control plane's machine config. */
export function readTalosApiAccess(configYaml: string): TalosApiAccess | undefined {
  for (const doc of parseAllDocuments(configYaml)) {
    const v = doc.toJS() as Record<string, unknown> | null;
    if (!v || v.version !== "v1alpha1") continue;
    const machine = (v.machine ?? {}) as Record<string, unknown>;
    if (machine.type !== "controlplane" && machine.type !== "init") return undefined;
    const features = (machine.features ?? {}) as Record<string, unknown>;
    const access = features.kubernetesTalosAPIAccess as Record<string, unknown> | undefined;
    if (access?.enabled !== true) return undefined;
    const ca = (machine.ca ?? {}) as Record<string, unknown>;
    const certPem = pem(ca.crt);
    const keyPem = pem(ca.key);
    if (!certPem || !keyPem) return undefined;
    return {
      allowedRoles: Array.isArray(access.allowedRoles) ? access.allowedRoles.map(String) : [],
      allowedNamespaces: Array.isArray(access.allowedKubernetesNamespaces)
        ? access.allowedKubernetesNamespaces.map(String)
        : [],
      osCa: { certPem, keyPem },
    };
  }
  return undefined;
}

/** The CRD Talos registers (structural schema: `spec.roles`, `status.failureReason`). */
export function renderTalosServiceAccountCrd(): KubeObj {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: CRD_NAME },
    spec: {
      group: "talos.dev",
      names: {
        kind: "ServiceAccount",
        listKind: "ServiceAccountList",
        plural: "serviceaccounts",
        singular: "serviceaccount",
        shortNames: ["tsa"],
      },
      scope: "Namespaced",
      versions: [{
        name: "v1alpha1",
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: { type: "object", properties: { roles: { type: "array", items: { type: "string" } } } },
              status: { type: "object", properties: { failureReason: { type: "string" } } },
            },
          },
        },
      }],
    },
    status: {
      conditions: [{ type: "Established", status: "True", reason: "InitialNamesAccepted", message: "" }],
      acceptedNames: { kind: "ServiceAccount", plural: "serviceaccounts" },
    },
  };
}

/**
 * The roles of each Secret read so far, by the store's frozen view of it (a new version is a new object):
 * the controller looks at every Secret on every pass (25 ms), and parsing its talosconfig (YAML) and
 * certificate (ASN.1) each time cost more than the rest of the pass.
 */
const secretRoles = new WeakMap<KubeObj, { roles: string[] | undefined }>();

function rolesOfSecret(secret: KubeObj | undefined): string[] | undefined {
  if (!secret) return undefined;
  let known = secretRoles.get(secret);
  if (!known) secretRoles.set(secret, known = { roles: readRoles(secret) });
  return known.roles && [...known.roles];
}

function readRoles(secret: KubeObj): string[] | undefined {
  const config = pem((secret.data as Record<string, string> | undefined)?.config);
  if (!config) return undefined;
  try {
    return parseCertificate(parseTalosconfig(config).certPem).organizations.sort();
  } catch {
    return undefined;
  }
}

/**
 * One pass of the controller over a cluster's store: the CRD registered, then every Talos ServiceAccount
 * answered. Returns what it did (`created ns/name`, `refused ns/name: reason`).
 */
export async function reconcileTalosServiceAccounts(
  store: FakeKubeStore,
  access: TalosApiAccess,
  now: Date,
): Promise<string[]> {
  if (!store.viewObject("apiextensions.k8s.io/v1", "CustomResourceDefinition", CRD_NAME)) {
    store.put(renderTalosServiceAccountCrd());
  }
  const done: string[] = [];
  for (const sa of store.viewObjects("talos.dev/v1alpha1", "ServiceAccount")) {
    const { name, namespace } = sa.metadata as { name: string; namespace: string; uid?: string };
    const roles = ((sa.spec as { roles?: unknown } | undefined)?.roles as string[] | undefined) ?? undefined;
    let failure = "";
    if (!Array.isArray(roles)) failure = "Roles not found";
    else if (!access.allowedNamespaces.includes(namespace)) failure = `Namespace is not allowed: ${namespace}`;
    else {
      const refused = roles.filter((r) => !access.allowedRoles.includes(r));
      if (refused.length > 0) failure = `Roles not allowed: [${refused.join(" ")}]`;
    }
    const status = (sa.status ?? {}) as { failureReason?: string };
    if ((status.failureReason ?? "") !== failure) {
      store.put({ ...sa, status: failure ? { failureReason: failure } : {} });
    }
    if (failure) {
      done.push(`refused ${namespace}/${name}: ${failure}`);
      continue;
    }
    const wanted = [...roles!].sort();
    const secret = store.viewObject("v1", "Secret", name, namespace);
    if (JSON.stringify(rolesOfSecret(secret)) === JSON.stringify(wanted)) continue;
    const client = await issueCertificate(access.osCa, {
      algorithm: "Ed25519",
      commonName: name,
      organization: wanted,
      usage: "client",
      notBefore: now,
      validityDays: 1,
    });
    const talosconfig = renderTalosconfig({
      context: "default",
      endpoints: [TALOS_SA_ENDPOINT],
      nodes: [],
      caPem: access.osCa.certPem,
      certPem: client.certPem,
      keyPem: client.keyPem,
    });
    store.put({
      apiVersion: "v1",
      kind: "Secret",
      metadata: {
        name,
        namespace,
        ownerReferences: [{
          apiVersion: "talos.dev/v1alpha1",
          kind: "ServiceAccount",
          name,
          uid: String((sa.metadata as { uid?: string }).uid ?? ""),
          controller: true,
          blockOwnerDeletion: true,
        }],
      },
      type: "Opaque",
      data: { config: btoa(talosconfig) },
    });
    done.push(`created ${namespace}/${name}`);
  }
  return done;
}
