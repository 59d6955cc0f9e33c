/**
 * Values of the Hetzner Cloud CSI driver chart. The default storage class encrypts volumes with LUKS, its
 * passphrase read by the node plugin from the CSI encryption Secret (cloud_secrets.ts; generated once,
 * never regenerated: a new passphrase would lock every existing volume). Every volume the driver creates
 * carries `k8zner.io/cluster=<name>` (`HCLOUD_VOLUME_EXTRA_LABELS`), so destroy finds detached volumes by
 * label. The API token comes from the `hcloud` Secret; nothing secret is in these values.
 *
 * @module
 */
import type { DesiredState } from "../../config/mod.ts";
import { LABEL_KEYS } from "../../lib/labels.ts";
import { CSI_ENCRYPTION_SECRET, HCLOUD_SECRET } from "../cloud_secrets.ts";
import { sortKeysDeep } from "../sort_keys.ts";
import { CONTROL_PLANE_NODE_SELECTOR, podNetworkTolerations, spreadByHostname } from "./scheduling.ts";

/** Helm release name of the CSI driver. */
export const HCLOUD_CSI_RELEASE = "hcloud-csi";
/** The encrypted, default storage class. */
export const ENCRYPTED_STORAGE_CLASS = "hcloud-volumes-encrypted";
/** The plain storage class (no LUKS layer). */
export const PLAIN_STORAGE_CLASS = "hcloud-volumes";

/** Values for the `hcloud-csi` release. Pure; keys sorted. */
export function renderHcloudCsiValues(desired: DesiredState): Record<string, unknown> {
  const csi = desired.addons.hcloudCsi;
  const replicas = csi.controllerReplicas;
  const defaultClass: string = csi.defaultStorageClass;
  return sortKeysDeep({
    controller: {
      replicaCount: replicas,
      hcloudToken: { existingSecret: { name: HCLOUD_SECRET.name, key: "token" } },
      volumeExtraLabels: { [LABEL_KEYS.cluster]: desired.cluster.name },
      // On the control planes, like the CCM: it works for the whole cluster and must not depend on workers.
      nodeSelector: { ...CONTROL_PLANE_NODE_SELECTOR },
      tolerations: podNetworkTolerations(),
      topologySpreadConstraints: spreadByHostname({
        "app.kubernetes.io/name": "hcloud-csi",
        "app.kubernetes.io/instance": HCLOUD_CSI_RELEASE,
        "app.kubernetes.io/component": "controller",
      }),
      // The chart renders the budget only with more than one replica. maxUnavailable (a string in the chart's
      // schema) instead of its default minAvailable 1, which would forbid every voluntary eviction of
      // a lone replica; null drops that default.
      podDisruptionBudget: { create: true, minAvailable: null, maxUnavailable: "1" },
    },
    // The node plugin keeps the chart's tolerations (every NoSchedule and NoExecute taint): it must run
    // wherever a pod with a volume may run, whatever taints an owner adds to nodes.
    storageClasses: [
      {
        name: ENCRYPTED_STORAGE_CLASS,
        defaultStorageClass: defaultClass === ENCRYPTED_STORAGE_CLASS,
        reclaimPolicy: "Delete",
        // The CSI sidecars hand this Secret to NodePublishVolume; the driver formats the volume with LUKS
        // using its `encryption-passphrase`.
        extraParameters: {
          "csi.storage.k8s.io/node-publish-secret-name": CSI_ENCRYPTION_SECRET.name,
          "csi.storage.k8s.io/node-publish-secret-namespace": CSI_ENCRYPTION_SECRET.namespace,
        },
      },
      {
        name: PLAIN_STORAGE_CLASS,
        defaultStorageClass: defaultClass === PLAIN_STORAGE_CLASS,
        reclaimPolicy: "Delete",
      },
    ],
  });
}
