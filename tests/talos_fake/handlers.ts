/**
 * The RPCs of the fake Talos node, with the authorization rules of machined (`services/machined.go` rules),
 * maintenance-mode restrictions, and apid's node targeting (`nodes` fan-out with per-node errors, `node` proxy).
 * The etcd RPCs are in `etcd_handlers.ts`.
 *
 * @module
 */
import { GrpcCode, grpcCodeName } from "../../src/talos/grpc/errors.ts";
import type { TalosMethodName } from "../../src/talos/api_methods.ts";
import {
  type DataChunk,
  encodeData,
  encodeMetadataOnly,
  encodeReplies,
  type WithMetadata,
} from "../../src/talos/messages/common.ts";
import { encodeVersion } from "../../src/talos/messages/version.ts";
import { decodeApplyConfigurationRequest, encodeApplyConfiguration } from "../../src/talos/messages/apply.ts";
import { encodeServiceList, type ServiceInfo } from "../../src/talos/messages/services.ts";
import {
  decodeRebootRequest,
  decodeResetRequest,
  decodeUpgradeRequest,
  encodeActorReply,
  encodeUpgrade,
} from "../../src/talos/messages/lifecycle.ts";
import { type RpcCall, RpcError } from "./grpc_server.ts";
import { type Ctx, requireControlPlane, requireEtcdMember, type Stream, type Unary } from "./handler_support.ts";
import { ETCD_UNARY, validateEtcdForUpgrade } from "./etcd_handlers.ts";
import { readAppliedConfig, resolveOsCaKey } from "./machine_config.ts";
import { packKubeconfigArchive } from "./archive.ts";
import { type FakeTalosNodeCore, forgetEtcdWithoutData, rolesOf, settleNetwork, sleep } from "./node.ts";
import { etcdHealthOf, NO_QUORUM_MESSAGE, REMOVED_MESSAGE } from "./etcd_cluster.ts";

const READ = ["os:admin", "os:operator", "os:reader"];
const ADMIN = ["os:admin"];
/** Roles allowed per method (machined's rules; ApplyConfiguration is also open to readers in maintenance). */
const ALLOWED: Record<TalosMethodName, string[]> = {
  Version: READ,
  ServiceList: READ,
  EtcdMemberList: [...READ, "os:etcd:backup"],
  ApplyConfiguration: ADMIN,
  Bootstrap: ADMIN,
  Kubeconfig: ADMIN,
  Reset: ADMIN,
  Upgrade: ADMIN,
  EtcdRemoveMemberByID: ADMIN,
  EtcdLeaveCluster: ADMIN,
  EtcdForfeitLeadership: ADMIN,
  EtcdRecover: ADMIN,
  Reboot: ["os:admin", "os:operator"],
  EtcdSnapshot: ["os:admin", "os:operator", "os:etcd:backup"],
};

/** Handles one call at `node` (the endpoint), applying faults, authorization and node targeting. */
export async function handleCall(
  node: FakeTalosNodeCore,
  name: TalosMethodName,
  request: Uint8Array,
  call: RpcCall,
  send: (message: Uint8Array) => Promise<void>,
): Promise<void> {
  const roles = rolesOf(node, call.socket);
  const record = { method: name, roles, code: 0 };
  node.state.calls.push(record);
  try {
    const delay = node.faults.takeDelay(name);
    if (delay) await sleep(delay, call.signal);
    const failure = node.faults.takeFailure(name);
    if (failure) throw new RpcError(failure.code, failure.message);
    authorize(node, name, roles);
    const targets = targetsOf(node, call);
    const unary = UNARY[name as keyof typeof UNARY] as Unary | undefined;
    const ctx: Ctx = { call };
    if (unary) {
      const encode = unary.encode as (e: WithMetadata) => Uint8Array;
      if (targets.fanOut) {
        const elements: Array<{ element: WithMetadata; failed: boolean }> = [];
        for (const target of targets.nodes) {
          try {
            const forwardTo = peer(node, target);
            const failure = forwardTo === node ? undefined : forwardTo.faults.takeFailure(name);
            if (failure) throw new RpcError(failure.code, failure.message);
            for (const element of (await unary.run(forwardTo, request, ctx)) as WithMetadata[]) {
              elements.push({ element: { ...element, metadata: { hostname: target } }, failed: false });
            }
          } catch (err) {
            elements.push({ element: { metadata: nodeFailure(target, err) }, failed: true });
          }
        }
        return await send(
          encodeReplies(elements, (e) => (e.failed ? encodeMetadataOnly(e.element) : encode(e.element))),
        );
      }
      const target = targets.nodes[0] === undefined ? node : peer(node, targets.nodes[0]);
      return await send(encodeReplies((await unary.run(target, request, ctx)) as WithMetadata[], encode));
    }
    const stream = STREAMS[name as keyof typeof STREAMS] as Stream | undefined;
    if (!stream) throw new RpcError(GrpcCode.UNIMPLEMENTED, `unknown method ${name}`);
    const target = targets.nodes[0] === undefined ? node : peer(node, targets.nodes[0]);
    const bytes = await stream(target, request, ctx);
    const chunkSize = node.options.chunkSize ?? 16 * 1024;
    for (let offset = 0; offset < bytes.length; offset += chunkSize) {
      const chunk: DataChunk = { bytes: bytes.subarray(offset, offset + chunkSize) };
      if (targets.fanOut) chunk.metadata = { hostname: targets.nodes[0]! };
      await send(encodeData(chunk));
    }
  } catch (err) {
    record.code = err instanceof RpcError ? err.code : GrpcCode.UNKNOWN;
    throw err;
  }
}

function authorize(node: FakeTalosNodeCore, name: TalosMethodName, roles: string[]): void {
  if (roles.includes("os:admin") || ALLOWED[name].some((role) => roles.includes(role))) return;
  if (name === "ApplyConfiguration" && node.inMaintenance && roles.includes("os:reader")) return;
  throw new RpcError(GrpcCode.PERMISSION_DENIED, "not authorized");
}

function targetsOf(node: FakeTalosNodeCore, call: RpcCall): { nodes: string[]; fanOut: boolean } {
  const many = call.headers["nodes"];
  const one = call.headers["node"];
  const split = (v: string | string[] | undefined) =>
    (Array.isArray(v) ? v : v === undefined ? [] : [v]).flatMap((s) => s.split(",")).map((s) => s.trim()).filter(
      Boolean,
    );
  const nodes = split(many);
  const single = split(one);
  if (single.length > 1) throw new RpcError(GrpcCode.INVALID_ARGUMENT, "node metadata must be single-valued");
  const targets = many !== undefined ? { nodes, fanOut: true } : { nodes: single, fanOut: false };
  if (node.inMaintenance && targets.nodes.some((t) => !isSelf(node, t))) {
    throw new RpcError(GrpcCode.PERMISSION_DENIED, "no request forwarding");
  }
  return targets;
}

function isSelf(node: FakeTalosNodeCore, target: string): boolean {
  return target === node.hostname || target === node.nodeName;
}

/** The node a call is forwarded to; an unreachable one fails like a dial error. */
function peer(node: FakeTalosNodeCore, target: string): FakeTalosNodeCore {
  if (isSelf(node, target)) return node;
  const other = node.network.nodes.get(target);
  if (!other || other.state.mode !== "configured") {
    throw new RpcError(
      GrpcCode.UNAVAILABLE,
      `connection error: desc = "transport: Error while dialing: dial tcp ${target}:50000: connect: connection refused"`,
    );
  }
  return other;
}

function nodeFailure(target: string, err: unknown) {
  const code = err instanceof RpcError ? err.code : GrpcCode.UNKNOWN;
  const message = (err as Error)?.message ?? String(err);
  const goName = code === GrpcCode.CANCELLED
    ? "Canceled"
    : grpcCodeName(code).toLowerCase().replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase());
  return { hostname: target, error: `rpc error: code = ${goName} desc = ${message}`, status: { code, message } };
}

function actorId(): string {
  return crypto.randomUUID();
}

const UNARY = {
  ...ETCD_UNARY,
  Version: {
    encode: encodeVersion,
    run: (node: FakeTalosNodeCore) =>
      Promise.resolve([{
        version: {
          tag: node.state.talosVersion,
          sha: "fake",
          built: "",
          goVersion: "go1.24.6",
          os: "linux",
          arch: "amd64",
        },
        platform: { name: "hcloud", mode: "cloud" },
        features: { rbac: true },
      }]),
  },
  ApplyConfiguration: {
    encode: encodeApplyConfiguration,
    run: (node: FakeTalosNodeCore, request: Uint8Array, ctx: Ctx) => {
      const req = decodeApplyConfigurationRequest(request);
      const text = new TextDecoder().decode(req.data);
      // A refused config changes nothing: Talos validates before it touches any state.
      const config = readAppliedConfig(text, node.configSchema, node.validationContext);
      if (config) config.osCaKeyPem = resolveOsCaKey(config, node.network.nodes.values());
      const inMaintenance = node.inMaintenance;
      node.state.applyHistory.push({ mode: req.mode, dryRun: req.dryRun === true, inMaintenance });
      // In maintenance mode Talos turns REBOOT into NO_REBOOT: the node then boots on with the config.
      const mode = inMaintenance && req.mode === "REBOOT" ? "NO_REBOOT" : req.mode;
      if (req.dryRun) return Promise.resolve([{ warnings: [], mode, modeDetails: "Dry run: nothing applied" }]);
      // Without a v1alpha1 document (maintenance only) the config is not complete for boot: the node stays.
      if (!config) {
        return Promise.resolve([{ warnings: [], mode, modeDetails: "Applied configuration without a reboot" }]);
      }
      if (mode === "STAGED") {
        node.state.stagedConfig = text;
        return Promise.resolve([{
          warnings: [],
          mode,
          modeDetails: "Staged configuration to be applied after reboot",
        }]);
      }
      const previous = node.state.config;
      node.state.appliedConfig = text;
      node.state.config = config;
      if (inMaintenance || mode === "REBOOT") ctx.call.afterReply(() => node.scheduleReboot());
      else if (previous && previous.kubelet !== config.kubelet) node.state.kubeletRestarts++;
      const details = mode === "REBOOT"
        ? "Applied configuration with a reboot"
        : "Applied configuration without a reboot";
      return Promise.resolve([{ warnings: [], mode, modeDetails: details }]);
    },
  },
  ServiceList: {
    encode: encodeServiceList,
    run: (node: FakeTalosNodeCore) => Promise.resolve([{ services: servicesOf(node) }]),
  },
  Reboot: {
    encode: encodeActorReply,
    run: (node: FakeTalosNodeCore, request: Uint8Array, ctx: Ctx) => {
      decodeRebootRequest(request);
      ctx.call.afterReply(() => node.scheduleReboot());
      return Promise.resolve([{ actorId: actorId() }]);
    },
  },
  Reset: {
    encode: encodeActorReply,
    run: (node: FakeTalosNodeCore, request: Uint8Array, ctx: Ctx) => {
      const req = decodeResetRequest(request);
      const etcd = node.network.etcd;
      const id = node.state.etcdMemberId;
      if (req.graceful && etcd && id !== undefined) {
        // A graceful reset leaves etcd first.
        etcd.members = etcd.members.filter((m) => m.id !== id);
        if (etcd.leaderId === id) etcd.leaderId = etcd.members.find((m) => !m.isLearner)?.id ?? 0n;
        node.state.etcdStopped = true;
      }
      node.state.resetCount++;
      ctx.call.afterReply(() => {
        Object.assign(node.state, {
          appliedConfig: undefined,
          config: undefined,
          stagedConfig: undefined,
          bootstrapped: false,
          etcdMemberId: undefined,
          recoverySnapshot: undefined,
          etcdDataDirty: false,
          etcdFailure: undefined,
        });
        forgetEtcdWithoutData(node.network);
        if (req.reboot) node.scheduleReboot();
        else node.scheduleShutdown();
      });
      return Promise.resolve([{ actorId: actorId() }]);
    },
  },
  Upgrade: {
    encode: encodeUpgrade,
    run: (node: FakeTalosNodeCore, request: Uint8Array, ctx: Ctx) => {
      const req = decodeUpgradeRequest(request);
      if (!req.image.includes(":")) throw new RpcError(GrpcCode.INVALID_ARGUMENT, `invalid image "${req.image}"`);
      if (node.state.config?.machineType !== "worker" && !node.inMaintenance && !req.force && !req.preserve) {
        validateEtcdForUpgrade(node);
      }
      node.state.stagedUpgradeImage = req.image;
      if (!req.stage) ctx.call.afterReply(() => node.scheduleUpgrade());
      return Promise.resolve([{ ack: "Upgrade request received", actorId: actorId() }]);
    },
  },
} satisfies Partial<Record<TalosMethodName, Unary>>;

const STREAMS = {
  Kubeconfig: async (node: FakeTalosNodeCore) => {
    requireControlPlane(node, "kubeconfig");
    const kubeconfig = (await node.options.kubeconfig?.()) ?? defaultKubeconfig(node);
    return await packKubeconfigArchive(kubeconfig, node.clock());
  },
  EtcdSnapshot: (node: FakeTalosNodeCore) => {
    requireControlPlane(node, "etcd snapshot");
    requireEtcdMember(node);
    return Promise.resolve(node.etcdSnapshotBytes());
  },
} satisfies Partial<Record<TalosMethodName, Stream>>;

function servicesOf(node: FakeTalosNodeCore): ServiceInfo[] {
  const now = node.clock();
  const service = (id: string, state: string, msg: string, healthy = state === "Running"): ServiceInfo => ({
    id,
    state,
    events: [{ msg, state, ts: now }],
    health: { unknown: state !== "Running", healthy, lastMessage: healthy ? "" : msg, lastChange: now },
  });
  if (node.inMaintenance) {
    return [
      service("machined", "Running", "Service started as goroutine"),
      service("udevd", "Running", "Health check successful"),
    ];
  }
  const list = [
    service("apid", "Running", "Health check successful"),
    service("containerd", "Running", "Health check successful"),
    service("cri", "Running", "Health check successful"),
    service("kubelet", "Running", "Health check successful"),
    service("machined", "Running", "Service started as goroutine"),
    service("udevd", "Running", "Health check successful"),
  ];
  if (node.state.config?.machineType !== "worker") {
    settleNetwork(node.network);
    const health = etcdHealthOf(node.network.etcd, node.network.nodes.values(), node);
    const failure = node.state.etcdFailure;
    const etcdService = failure !== undefined
      ? service("etcd", "Failed", `Failed running service: failed to run pre stage: ${failure}`, false)
      : {
        "healthy": () => service("etcd", "Running", "Health check successful"),
        // A learner serves no reads yet: Talos's health check fails until it is promoted.
        "learner": () =>
          service("etcd", "Running", "Health check failed: etcdserver: rpc not supported for learner", false),
        "no-quorum": () => service("etcd", "Running", `Health check failed: ${NO_QUORUM_MESSAGE}`, false),
        "removed": () => service("etcd", "Failed", `Failed running service: ${REMOVED_MESSAGE}`, false),
        "not-member": () => service("etcd", "Preparing", "Running pre state"),
      }[health]();
    list.push(
      etcdService,
      service("trustd", "Running", "Health check successful"),
    );
  }
  return list.sort((a, b) => a.id.localeCompare(b.id));
}

function defaultKubeconfig(node: FakeTalosNodeCore): string {
  return `apiVersion: v1\nkind: Config\nclusters:\n  - name: fake\n    cluster:\n      server: https://${node.hostname}:6443\n` +
    `contexts:\n  - name: admin@fake\n    context:\n      cluster: fake\n      user: admin@fake\ncurrent-context: admin@fake\n` +
    `users:\n  - name: admin@fake\n    user: {}\n`;
}
