/**
 * `nodeActions()`: the node lifecycle calls the Compute and healing steps share.
 *
 * `addNode(name)` creates or finishes the planned server with the same `ensureServers` apply uses (the
 * Talos snapshot found by label, never built here), renders its machine config for its role from the
 * cluster's secrets bundle, and applies it in maintenance mode at `<privateIp>:50000` through `ctx.talos`,
 * then waits until the node answers with the cluster's credentials. A control plane joins etcd by itself
 * (Talos adds it as a learner and promotes it); it is never bootstrapped. Every step is found done by a
 * re-run, so a restarted operator finishes a half-added node instead of creating a second one (server
 * names are deterministic and Hetzner refuses a duplicate name).
 *
 * `removeUnreachable(name)` deletes the server (waiting for its action), then the Node: for a node that
 * cannot be drained.
 *
 * @module
 */
import type { ServerPlan } from "../../../config/mod.ts";
import type { Server } from "../../../hcloud/mod.ts";
import type { TaskHandle } from "../../../lib/progress.ts";
import type { InfrastructureResult } from "../../../cluster/infra/ensure_infrastructure.ts";
import { emptyObserved } from "../../../cluster/infra/observed.ts";
import { ensureServers } from "../../../cluster/nodes/ensure_servers.ts";
import { renderPlannedNodeConfig } from "../../../cluster/nodes/node_config.ts";
import { configureNode, waitForConfigured } from "../../../cluster/nodes/talos_configure.ts";
import type { ComputeView, NodeActions, ReconcileContext } from "../context.ts";
import { findTalosSnapshotId, forgetTalosSnapshot } from "./image.ts";
import { forgetServer, markComputeBusy, rememberServer } from "./observe.ts";

/**
 * Timing of the Talos waits. Default: `talosPollSchedule` (first look when a node usually answers, then every
 * 2 s, on the cloud's clock: `ctx.talos.timeScale`), 10 min to boot. A fixed interval is for tests.
 */
export interface NodeActionsOptions {
  talosIntervalMs?: number;
  talosTimeoutMs?: number;
}

/** The node actions of one reconcile pass, over `view` (the servers as last listed). */
export function nodeActions(
  ctx: ReconcileContext,
  view: ComputeView,
  infra: InfrastructureResult,
  options: NodeActionsOptions = {},
): NodeActions {
  const cluster = ctx.desired.cluster.name;
  // Servers this pass created or finished, so a later call in the same pass sees them.
  const known = new Map<string, Server>(view.servers.map((s) => [s.name, s]));

  return {
    async addNode(name) {
      const plan = plannedServer(ctx, name);
      markComputeBusy(ctx, name);
      const log = ctx.log.with({ cluster, node: name, role: plan.role });
      const imageId = await findTalosSnapshotId(ctx);
      const observed = {
        ...emptyObserved(cluster),
        networks: [infra.network],
        servers: [...known.values()],
      };
      const existed = known.has(name);
      if (!existed) {
        log.info("creating server", { serverType: plan.server_type, privateIp: plan.privateIp, imageId });
        await record(ctx, "Normal", "CreatingServer", `Creating server ${name} (${plan.role}, ${plan.server_type})`);
      }
      let server: Server | undefined;
      try {
        [server] = await ensureServers(
          ctx.cloud,
          ctx.desired,
          observed,
          infra,
          { imageId, only: [name] },
          logTask(log),
        );
      } catch (err) {
        // The remembered snapshot may be gone (deleted by hand): look it up again on the next attempt.
        if (!existed) forgetTalosSnapshot(ctx);
        throw err;
      }
      if (!server) throw new Error(`Cannot add node "${name}": ensureServers returned no server`);
      known.set(name, server);
      rememberServer(ctx, server);
      const lbIpv4 = infra.loadBalancer.public_net.ipv4.ip;
      const configYaml = renderPlannedNodeConfig(ctx.bundle, ctx.desired, name, {
        lbPublicIpv4: lbIpv4,
        controlPlaneIpv4s: controlPlaneIpv4s([...known.values()]),
        serverId: server.id,
      });
      const talosTiming = {
        deps: ctx.talos,
        endpoint: plan.privateIp,
        signal: ctx.signal,
        task: logTask(log),
        ...(options.talosIntervalMs !== undefined ? { intervalMs: options.talosIntervalMs } : {}),
        ...(options.talosTimeoutMs !== undefined ? { timeoutMs: options.talosTimeoutMs } : {}),
      };
      const outcome = await configureNode({ ...talosTiming, configYaml });
      if (outcome === "applied") {
        log.info("applied machine config", { serverId: server.id, endpoint: plan.privateIp });
        await record(ctx, "Normal", "ConfiguredNode", `Applied the ${plan.role} machine config to ${name}`);
      }
      await waitForConfigured({ ...talosTiming, after: outcome });
      log.info("node runs with its machine config", { serverId: server.id, outcome });
    },

    async removeUnreachable(name) {
      markComputeBusy(ctx, name);
      const log = ctx.log.with({ cluster, node: name });
      const server = known.get(name) ?? await ctx.cloud.hc.servers.findByName(name);
      if (server) {
        await ctx.requireLeadership(`delete server ${name}`);
        log.info("deleting server", { serverId: server.id });
        await record(ctx, "Normal", "DeletingServer", `Deleting server ${name} (${server.id})`);
        const action = await ctx.cloud.hc.servers.delete(server.id);
        if (action) await ctx.cloud.actions.wait([action]);
        known.delete(name);
        forgetServer(ctx, name);
      }
      await ctx.requireLeadership(`delete Node ${name}`);
      if (await ctx.kube.delete("v1", "Node", name)) {
        log.info("deleted Node");
        await record(ctx, "Normal", "DeletedNode", `Deleted Node ${name}`);
      }
    },
  };
}

/** The planned server `name`; a name outside the plan is a programming error. */
export function plannedServer(ctx: Pick<ReconcileContext, "desired">, name: string): ServerPlan {
  const plan = ctx.desired.servers.find((s) => s.name === name);
  if (!plan) throw new TypeError(`Cannot add node "${name}": it is not a planned server of this cluster`);
  return plan;
}

/** The public IPv4s of the control-plane servers (API certificate SANs with a private load balancer). */
export function controlPlaneIpv4s(servers: readonly Server[]): string[] {
  return servers
    .filter((s) => s.labels["k8zner.io/role"] === "control-plane")
    .map((s) => s.public_net.ipv4?.ip)
    .filter((ip): ip is string => typeof ip === "string");
}

/** Records an Event on the K8znerCluster (best effort by design, see EventRecorder). */
export function record(
  ctx: ReconcileContext,
  type: "Normal" | "Warning",
  reason: string,
  message: string,
): Promise<void> {
  return ctx.events.record(ctx.cluster, type, reason, reason, message);
}

/** Progress of `ensureServers` as debug log lines (the operator has no terminal). */
function logTask(log: ReconcileContext["log"]): TaskHandle {
  return {
    start: (detail) => log.debug("servers step started", { detail }),
    update: (detail) => log.debug("servers step", { detail }),
    done: (detail) => log.debug("servers step done", { detail }),
    skip: (reason) => log.debug("servers step skipped", { reason }),
    fail: (message) => log.warn("servers step failed", { error: message }),
  };
}
