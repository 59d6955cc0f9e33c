/**
 * Points the client configs at the live cluster: the kubeconfig's server and the talosconfig's endpoints
 * and nodes are recomputed from one discovery pass and the files rewritten where they differ, keeping
 * their certificates while valid. Used by `apply` before it talks to the cluster, and by
 * `k8zner kubeconfig` to repair the files after control planes changed. Never touches `secrets.yaml`.
 *
 * @module
 */
import { join } from "node:path";
import type { HcloudClient } from "../../hcloud/mod.ts";
import { roleSelector } from "../../lib/labels.ts";
import { readTextIfExists } from "../../lib/secure_files.ts";
import { generateAdminKubeconfig } from "../../talos/kubeconfig.ts";
import type { RandomSource } from "../../talos/pki.ts";
import type { SecretsBundle } from "../../talos/secrets_bundle.ts";
import {
  type ApiAccess,
  kubeApiServerUrl,
  type LiveEndpoints,
  liveEndpointsOf,
  talosEndpoints,
  talosNodes,
} from "./client_endpoints.ts";
import { type ClientConfigFile, CREDENTIAL_FILES, ensureKubeconfig, ensureTalosconfig } from "./credentials.ts";

/** Options of {@linkcode repointClientConfigs}. */
export interface RepointOptions {
  /** The cluster's secrets directory. */
  dir: string;
  clusterName: string;
  bundle: SecretsBundle;
  live: LiveEndpoints;
  /** `api_load_balancer` of the config: decides the kubeconfig's server. */
  access: ApiAccess;
  now: Date;
  random?: RandomSource;
  /**
   * Also write a file that is missing (`k8zner kubeconfig`). `apply` leaves that to its own steps and only
   * repoints what exists.
   */
  createMissing: boolean;
}

/** What {@linkcode repointClientConfigs} did; a file is undefined when there was nothing to point it at. */
export interface RepointResult {
  /** The API server URL chosen, when the cluster has one. */
  server?: string;
  talosconfig?: ClientConfigFile;
  kubeconfig?: ClientConfigFile;
}

/**
 * Rewrites the talosconfig (every control plane's public IP as endpoints, the first as node) and the
 * kubeconfig (server from {@linkcode kubeApiServerUrl}) where they differ from the live cluster. A kubeconfig
 * that must be renewed is issued locally from the bundle's Kubernetes CA, so a cluster whose Talos API does
 * not answer still gets a working file.
 *
 * @throws {UserFacingError} when a file belongs to another cluster's CA (it is never overwritten).
 */
export async function repointClientConfigs(options: RepointOptions): Promise<RepointResult> {
  const result: RepointResult = {};
  const { dir, bundle, now } = options;
  const exists = async (name: string) => (await readTextIfExists(join(dir, name))) !== undefined;
  const endpoints = talosEndpoints(options.live);
  if (endpoints.length > 0 && (options.createMissing || await exists(CREDENTIAL_FILES.talosconfig))) {
    result.talosconfig = await ensureTalosconfig({
      dir,
      clusterName: options.clusterName,
      bundle,
      endpoints,
      nodes: talosNodes(options.live),
      now,
      random: options.random,
    });
  }
  const server = kubeApiServerUrl(options.live, options.access);
  if (server === undefined) return result;
  result.server = server;
  if (options.createMissing || await exists(CREDENTIAL_FILES.kubeconfig)) {
    result.kubeconfig = await ensureKubeconfig({
      dir,
      bundle,
      now,
      server,
      fetch: () =>
        generateAdminKubeconfig(bundle, {
          clusterName: options.clusterName,
          endpoint: server,
          now,
          random: options.random,
        }),
    });
  }
  return result;
}

/**
 * Finds the cluster's control planes and API load balancer by their labels: two `GET`s, for commands
 * that need only the client endpoints (`apply` takes them from its full discovery pass instead).
 */
export async function findLiveEndpoints(hc: HcloudClient, clusterName: string): Promise<LiveEndpoints> {
  const [servers, loadBalancers] = await Promise.all([
    hc.servers.listAll({ labelSelector: roleSelector(clusterName, "control-plane") }),
    hc.loadBalancers.listAll({ labelSelector: roleSelector(clusterName, "kube-api") }),
  ]);
  return liveEndpointsOf({ servers, loadBalancers });
}
