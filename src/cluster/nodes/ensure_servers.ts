/**
 * `ensureServers()`: creates the planned servers from the Talos image and finishes servers a crash
 * left half-done. Two mutating requests a server (ADR 0010), and the node is never exposed unfiltered:
 *
 * 1. `POST /servers` started (`start_after_create`), with the cluster firewall in `firewalls`: the API
 *    applies firewalls given there to the public interface at creation time, before the first boot
 *    (Talos maintenance mode takes a config from anyone who reaches port 50000). Public IPv4 and
 *    IPv6 (the CLI reaches the first control plane's Talos API in maintenance mode over its public
 *    IPv4), the labels (the firewall's label selector matches them too), the placement group and the
 *    cluster's SSH key. `networks` is left out: the API would pick the IP itself.
 * 2. `attach_to_network` with the planned IP once the server runs; Talos runs DHCP on a link that
 *    appears after boot (maintenance mode and installed alike: k8zner's configs name no link).
 *
 * A server found off (created stopped by an older k8zner, powered off by a user, or a crash) is
 * attached while off and powered on once the firewall shows as applied, as before. Every step is
 * found again by a re-run (the server by name, its network and power state), so a killed run resumes
 * where it stopped. Servers are never deleted here.
 *
 * @module
 */
import type { DesiredState, ServerPlan } from "../../config/mod.ts";
import { type Action, type CreateServerRequest, isHcloudError, type Server } from "../../hcloud/mod.ts";
import { UserFacingError } from "../../lib/errors.ts";
import type { TaskHandle } from "../../lib/progress.ts";
import type { ClusterDeps } from "../infra/deps.ts";
import { diffServers, type ServerDiff } from "./diff_servers.ts";
import { assertNoConflicts, mutate, runTask } from "../infra/ensure_common.ts";
import type { InfrastructureResult } from "../infra/ensure_infrastructure.ts";
import type { ObservedCluster } from "../infra/observed.ts";

/** Options of {@link ensureServers}. */
export interface EnsureServersOptions {
  /** The Talos snapshot to boot. */
  imageId: number;
  /** Names of the planned servers to ensure (default: all planned servers). */
  only?: readonly string[];
  /** How long to wait for the firewall to show as applied on a new server (default 120 s). */
  firewallTimeoutMs?: number;
}

/** Ensures the servers; returns them (in plan order) as last seen. */
export function ensureServers(
  deps: ClusterDeps,
  desired: DesiredState,
  observed: ObservedCluster,
  infra: InfrastructureResult,
  options: EnsureServersOptions,
  task: TaskHandle,
): Promise<Server[]> {
  return runTask(task, async () => {
    const diffs = diffServers(desired, observed).servers.filter((d) =>
      options.only === undefined || options.only.includes(d.plan.name)
    );
    const conflicting = observed.conflicts.filter((c) =>
      c.kind === "server" && diffs.some((d) => d.plan.name === c.name)
    );
    if (conflicting.length > 0) assertNoConflicts({ ...observed, conflicts: conflicting });
    let created = 0, finished = 0;
    const servers = await Promise.all(diffs.map(async (d) => {
      const before = d.state === "missing" ? "missing" : d.attach || d.powerOn ? "partial" : "ok";
      const server = await ensureOne(deps, infra, options, d, (detail) => task.update(`${d.plan.name}: ${detail}`));
      if (before === "missing") created++;
      else if (before === "partial") finished++;
      return server;
    }));
    const parts = [
      ...(created > 0 ? [`created ${created}`] : []),
      ...(finished > 0 ? [`finished ${finished}`] : []),
    ];
    return { result: servers, changed: parts.length > 0, detail: parts.join(", ") || `${servers.length} as planned` };
  });
}

async function ensureOne(
  deps: ClusterDeps,
  infra: InfrastructureResult,
  options: EnsureServersOptions,
  diff: ServerDiff,
  report: (detail: string) => void,
): Promise<Server> {
  const plan = diff.plan;
  let server: Server;
  if (diff.state === "missing") {
    report("creating");
    server = await create(deps, createRequest(plan, infra, options.imageId));
  } else if (diff.server.status === "initializing" || diff.server.status === "starting" || diff.server.locked) {
    // A killed run left an action running on it: let it finish, then look again.
    report("waiting for its running actions");
    await deps.actions.wait(await deps.hc.servers.listRunningActions(diff.server.id));
    server = await deps.hc.servers.get(diff.server.id) ?? diff.server;
  } else {
    server = diff.server;
  }
  if (!server.private_net.some((p) => p.network === infra.network.id)) {
    // Running or off alike: Hetzner hot-plugs the interface into a running server.
    report(`attaching ${plan.privateIp}`);
    const action = await mutate(
      deps,
      () => deps.hc.servers.attachToNetwork(server.id, { network: infra.network.id, ip: plan.privateIp }),
      ["server_already_attached"],
    );
    if (action) await deps.actions.wait([action]);
    // As last seen, like the status below: callers read the private IP (e.g. the talosconfig's node).
    const others = server.private_net.filter((p) => p.network !== infra.network.id);
    server = { ...server, private_net: [...others, { network: infra.network.id, ip: plan.privateIp }] };
  }
  if (server.status === "off") {
    await waitForFirewall(deps, server, infra.firewall.id, options.firewallTimeoutMs ?? 120_000, report);
    report("powering on");
    const action: Action | undefined = await mutate(deps, () => deps.hc.servers.poweron(server.id));
    if (action) await deps.actions.wait([action]);
    server = { ...server, status: "running" };
  }
  return server;
}

/**
 * `POST /servers` and its actions (create, then start); returns the server as they left it. The
 * create's own answer says `initializing`; after its actions the server runs, so only a recovered
 * create (found by name after an ambiguous failure) is read again.
 */
async function create(deps: ClusterDeps, request: CreateServerRequest): Promise<Server> {
  let result;
  try {
    result = await deps.hc.servers.create(request);
  } catch (err) {
    // Hetzner documents no refusal of a firewall given both in `firewalls` and through its label
    // selector (ADR 0010). Should it refuse one, the request created nothing: create stopped without
    // `firewalls` and finish as an older k8zner did (attach, wait for the selector's firewall, power on).
    if (!isHcloudError(err, ...DOUBLE_FIREWALL_CODES) || request.firewalls === undefined) throw err;
    const { firewalls: _, ...rest } = request;
    request = { ...rest, start_after_create: false };
    result = await deps.hc.servers.create(request);
  }
  // The start (a next action) runs only once the create ended: handed in together, its first look
  // would come at a power-on's usual end counted from the create's start, and repeat until then.
  const [first, ...next] = result.actions;
  if (first) await deps.actions.wait([first]);
  if (next.length > 0) await deps.actions.wait(next);
  if (result.recovered) return await deps.hc.servers.get(result.server.id) ?? result.server;
  return { ...result.server, status: request.start_after_create === false ? "off" : "running", locked: false };
}

/** Codes Hetzner uses for a firewall applied to a server twice (`apply_to_resources`, `POST /firewalls`). */
const DOUBLE_FIREWALL_CODES = ["firewall_already_applied", "server_already_added"];

/** The `POST /servers` body of a planned server. */
export function createRequest(plan: ServerPlan, infra: InfrastructureResult, imageId: number): CreateServerRequest {
  const group = infra.placementGroups.get(plan.placementGroup);
  if (!group) {
    throw new TypeError(`Cannot create server "${plan.name}": placement group ${plan.placementGroup} missing`);
  }
  return {
    name: plan.name,
    server_type: plan.server_type,
    image: String(imageId),
    location: plan.location,
    start_after_create: true,
    placement_group: group.id,
    ssh_keys: [String(infra.sshKey.id)],
    firewalls: [{ firewall: infra.firewall.id }],
    labels: { ...plan.labels },
    public_net: { ...plan.public_net },
  };
}

/** Polls the server until the cluster firewall is listed on it as applied. */
async function waitForFirewall(
  deps: ClusterDeps,
  server: Server,
  firewallId: number,
  timeoutMs: number,
  report: (detail: string) => void,
): Promise<void> {
  const applied = (s: Server) =>
    (s.public_net.firewalls ?? []).some((f) => f.id === firewallId && f.status === "applied");
  if (applied(server)) return;
  report("waiting for the firewall");
  const deadline = deps.clock() + timeoutMs;
  for (let delay = 500;; delay = Math.min(delay * 2, 5000)) {
    await deps.sleep(delay);
    const current = await deps.hc.servers.get(server.id);
    if (!current) throw new UserFacingError(`Server "${server.name}" disappeared while it was being created`);
    if (applied(current)) return;
    if (deps.clock() > deadline) {
      throw new UserFacingError(
        `Cannot start server "${server.name}": firewall ${firewallId} is not applied to it after ${timeoutMs / 1000} s`,
        { hint: "Check the firewall in the Hetzner console; the next apply continues from here." },
      );
    }
  }
}
