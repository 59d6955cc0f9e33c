/**
 * What each node of a running cluster runs, as `plan` shows it and as `apply` checks when the cluster has no
 * `K8znerCluster` to ask: the Talos version each server's Talos API reports (`machine.MachineService/Version`,
 * with the talosconfig in the secrets directory) and each Node's `status.nodeInfo.kubeletVersion`. Read-only; a
 * node that does not answer in time has no version, it never fails the read.
 *
 * @module
 */
import { join } from "node:path";
import { LABEL_KEYS } from "../lib/labels.ts";
import type { Server } from "../hcloud/mod.ts";
import type { KubeClient } from "../kube/mod.ts";
import { readTextIfExists } from "../lib/secure_files.ts";
import { parseTalosconfig } from "../talos/talosconfig.ts";
import { CREDENTIAL_FILES } from "../cluster/credentials/credentials.ts";
import type { ApplyDeps } from "./apply_deps.ts";

import type { NodeVersions } from "../cluster/upgrade/rollout.ts";

export type { NodeVersions };

/** How long one node's Talos API may take to say its version. */
export const NODE_VERSION_TIMEOUT_MS = 5000;

/** Options of {@linkcode readNodeVersions}. */
export interface ReadNodeVersionsOptions {
  clusterName: string;
  secretsDir: string;
  /** The cluster's servers, as discovered (role from their labels, reached on their public IPv4). */
  servers: readonly Server[];
  /** A client of the cluster's Kubernetes API, when it answers. */
  kube?: KubeClient;
  timeoutMs?: number;
}

/** Reads every server's Talos version and every Node's kubelet version, sorted by name. */
export async function readNodeVersions(
  deps: Pick<ApplyDeps, "talos">,
  options: ReadNodeVersionsOptions,
): Promise<NodeVersions[]> {
  const [talos, kubelets] = await Promise.all([
    readTalosVersions(deps, options),
    options.kube ? readKubeletVersions(options.kube) : Promise.resolve(new Map<string, string>()),
  ]);
  return options.servers
    .map((server): NodeVersions => ({
      name: server.name,
      role: server.labels[LABEL_KEYS.role] === "control-plane" ? "control-plane" : "worker",
      talos: talos.get(server.name),
      kubelet: kubelets.get(server.name),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

async function readTalosVersions(
  deps: Pick<ApplyDeps, "talos">,
  options: ReadNodeVersionsOptions,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const text = await readTextIfExists(join(options.secretsDir, CREDENTIAL_FILES.talosconfig));
  if (text === undefined) return out;
  const talos = deps.talos(parseTalosconfig(text, options.clusterName));
  await Promise.all(options.servers.map(async (server) => {
    const ip = server.public_net.ipv4?.ip;
    if (!ip) return;
    const client = talos.talosClient(ip);
    try {
      const [reply] = await client.version({ timeoutMs: options.timeoutMs ?? NODE_VERSION_TIMEOUT_MS });
      const tag = reply?.version?.tag;
      if (tag) out.set(server.name, tag);
    } catch {
      // Not answering (rebooting, in maintenance mode, gone) means "version unknown", which the caller shows.
    } finally {
      await client.close();
    }
  }));
  return out;
}

async function readKubeletVersions(kube: KubeClient): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let nodes;
  try {
    nodes = await kube.list("v1", "Node");
  } catch {
    return out;
  }
  for (const node of nodes) {
    const version = (node.status as { nodeInfo?: { kubeletVersion?: string } } | undefined)?.nodeInfo
      ?.kubeletVersion;
    if (version) out.set(node.metadata.name, version.replace(/^v/, ""));
  }
  return out;
}
