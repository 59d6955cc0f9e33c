/**
 * Which of a cluster's control planes answer, and whether etcd runs on them: `backup now` takes its snapshot
 * from the first one whose etcd runs, and `restore` refuses while any one answers (a restore beside a live
 * etcd would start a second cluster with the same identity). Control planes are found by their role label
 * (re-discovered, never remembered) and asked over the Talos API with admin credentials issued in memory
 * from the cluster's secrets bundle, so a missing or stale talosconfig file does not hide a live node.
 *
 * @module
 */
import type { Server } from "../hcloud/mod.ts";
import type { TalosClient } from "../talos/api_client.ts";
import type { SecretsBundle } from "../talos/secrets_bundle.ts";
import { generateTalosconfig, parseTalosconfig } from "../talos/talosconfig.ts";
import { liveEndpointsOf, talosEndpoints } from "../cluster/credentials/client_endpoints.ts";
import type { ObservedCluster } from "../cluster/infra/observed.ts";
import { isEtcdBootstrapped } from "../cluster/nodes/talos_bootstrap.ts";
import { reasonOf, type TalosDeps } from "../cluster/nodes/talos_deps.ts";
import type { ApplyDeps } from "./apply_deps.ts";

/** Deadline of each probe call: a control plane that takes longer counts as not answering. */
export const PROBE_CALL_TIMEOUT_MS = 10_000;

/** What one control plane answered. */
export interface ControlPlaneProbe {
  server: Server;
  /** Its public IPv4 (the Talos endpoint); undefined when it has none. */
  endpoint: string | undefined;
  /** `etcd`: Talos answers and etcd runs; `talos`: Talos answers, etcd is not bootstrapped; `none`: no answer. */
  answers: "etcd" | "talos" | "none";
  /** Why it did not answer (for `none`). */
  reason?: string;
}

/** The probes, and the Talos toolkit they used (admin credentials issued from the bundle, never written). */
export interface ControlPlaneProbes {
  talos: TalosDeps;
  probes: ControlPlaneProbe[];
}

/** Asks every control plane of `observed` (name order) in parallel. */
export async function probeControlPlanes(
  deps: Pick<ApplyDeps, "talos">,
  input: {
    bundle: SecretsBundle;
    clusterName: string;
    now: Date;
    observed: Pick<ObservedCluster, "loadBalancers" | "servers">;
  },
): Promise<ControlPlaneProbes> {
  const live = liveEndpointsOf(input.observed);
  const endpoints = talosEndpoints(live);
  const text = await generateTalosconfig(input.bundle, {
    clusterName: input.clusterName,
    // A talosconfig needs an endpoint; with no control plane nothing is asked, and nothing is written.
    endpoints: endpoints.length > 0 ? endpoints : ["127.0.0.1"],
    now: input.now,
  });
  const talos = deps.talos(parseTalosconfig(text, input.clusterName));
  return { talos, probes: await Promise.all(live.controlPlanes.map((server) => probeOne(talos, server))) };
}

async function probeOne(talos: TalosDeps, server: Server): Promise<ControlPlaneProbe> {
  const endpoint = server.public_net.ipv4?.ip;
  if (!endpoint) return { server, endpoint, answers: "none", reason: "it has no public IPv4" };
  const client = talos.talosClient(endpoint);
  try {
    const etcd = await isEtcdBootstrapped(client, { callTimeoutMs: PROBE_CALL_TIMEOUT_MS });
    return { server, endpoint, answers: etcd ? "etcd" : "talos" };
  } catch (err) {
    return { server, endpoint, answers: "none", reason: reasonOf(err) };
  } finally {
    await client.close();
  }
}

/** Runs `fn` with a client of the first probe whose etcd runs; undefined when there is none. */
export async function withEtcdControlPlane<T>(
  talos: TalosDeps,
  probes: readonly ControlPlaneProbe[],
  fn: (client: TalosClient, probe: ControlPlaneProbe) => Promise<T>,
): Promise<T | undefined> {
  const probe = probes.find((p) => p.answers === "etcd" && p.endpoint);
  if (!probe) return undefined;
  const client = talos.talosClient(probe.endpoint!);
  try {
    return await fn(client, probe);
  } finally {
    await client.close();
  }
}

/** `cp-1 (1.2.3.4): etcd runs; cp-2: no answer (connection refused)` for messages. */
export function describeProbes(probes: readonly ControlPlaneProbe[]): string {
  return probes.map((p) => {
    const where = `${p.server.name}${p.endpoint ? ` (${p.endpoint})` : ""}`;
    if (p.answers === "etcd") return `${where}: etcd runs`;
    if (p.answers === "talos") return `${where}: Talos answers, etcd not bootstrapped`;
    return `${where}: no answer${p.reason ? ` (${p.reason})` : ""}`;
  }).join("; ");
}
