/**
 * Talos API client: gRPC over `node:http2` with mutual TLS (the talosconfig credentials), plus the
 * maintenance-mode client that applies the first machine config to a fresh node.
 *
 * One HTTP/2 connection per client (i.e. per endpoint), reused across calls; `close()` ends it. Multi-node
 * replies are flattened into per-node results ({@linkcode NodeReply}); a node that failed inside a successful
 * reply becomes a {@linkcode NodeError}. Failed calls throw {@linkcode TalosError} with the gRPC code name.
 *
 * @module
 */
import { GrpcChannel } from "./grpc/channel.ts";
import { TALOS_METHODS } from "./api_methods.ts";
import { flattenReplies, type NodeReply, type TalosCallOptions, toGrpcOptions } from "./api_call.ts";
import { type ByteSink, type ByteSource, streamData, uploadData, writeStreamTo } from "./api_stream.ts";
import { unpackKubeconfigArchive } from "./kubeconfig_archive.ts";
import { toPkcs8KeyPem } from "./pki.ts";
import { concatBytes } from "../lib/bytes.ts";
import { decodeMetadataOnly, decodeReplies, EMPTY, type WithMetadata } from "./messages/common.ts";
import { decodeVersion, type VersionReply } from "./messages/version.ts";
import {
  type ApplyConfigurationReply,
  type ApplyMode,
  type BootstrapRequest,
  decodeApplyConfiguration,
  encodeApplyConfigurationRequest,
  encodeBootstrapRequest,
} from "./messages/apply.ts";
import {
  decodeEtcdForfeitLeadership,
  decodeEtcdMembers,
  encodeEtcdMemberListRequest,
  encodeEtcdRemoveMemberByIdRequest,
  type EtcdForfeitLeadershipReply,
  type EtcdMembersReply,
} from "./messages/etcd.ts";
import { decodeServiceList, type ServiceListReply } from "./messages/services.ts";
import {
  type ActorReply,
  decodeActorReply,
  decodeUpgrade,
  encodeRebootRequest,
  encodeResetRequest,
  encodeUpgradeRequest,
  type RebootRequest,
  type ResetRequest,
  type UpgradeReply,
  type UpgradeRequest,
} from "./messages/lifecycle.ts";

export type { NodeReply, TalosCallOptions } from "./api_call.ts";
export type { ByteSink, ByteSource } from "./api_stream.ts";
export { GrpcCode, isTalosError, NodeError, NodeErrors, TalosError } from "./grpc/errors.ts";
export type { GrpcCodeName } from "./grpc/errors.ts";
export type { ApplyConfigurationReply, ApplyMode } from "./messages/apply.ts";
export type { EtcdForfeitLeadershipReply, EtcdMember, EtcdMembersReply } from "./messages/etcd.ts";
export type { ServiceInfo, ServiceListReply, ServiceState } from "./messages/services.ts";
export type { ActorReply, RebootMode, UpgradeReply, WipeMode } from "./messages/lifecycle.ts";
export type { VersionReply } from "./messages/version.ts";

/** Default deadline of unary calls; streams (Kubeconfig, EtcdSnapshot) have none unless given per call. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** Options of {@linkcode createTalosClient}: the endpoint and the talosconfig credentials. */
export interface TalosClientOptions {
  /** `host`, `host:port` or `[v6]:port` (port 50000 when omitted). */
  endpoint: string;
  /** The Talos OS CA that signed the node's API certificate. */
  caPem: string;
  /** Client certificate (its Organization carries the roles, e.g. `os:admin`) and its key (PKCS#8 or Talos PEM). */
  certPem: string;
  keyPem: string;
  /** Server name to verify instead of the endpoint host. */
  servername?: string;
  /** Deadline of unary calls (default {@linkcode DEFAULT_TIMEOUT_MS}). */
  timeoutMs?: number;
}

/** Options of {@linkcode TalosClient.applyConfiguration}. */
export interface ApplyConfigurationOptions extends TalosCallOptions {
  mode: ApplyMode;
  dryRun?: boolean;
  /** Mode TRY: roll back after this long unless confirmed. */
  tryModeTimeoutMs?: number;
}

/** A Talos API client bound to one endpoint. */
export interface TalosClient {
  /** The endpoint as `host:port`. */
  readonly endpoint: string;
  version(options?: TalosCallOptions): Promise<NodeReply<VersionReply>[]>;
  applyConfiguration(
    config: string | Uint8Array,
    options: ApplyConfigurationOptions,
  ): Promise<NodeReply<ApplyConfigurationReply>[]>;
  /** Bootstraps etcd on one control-plane node (once per cluster). */
  bootstrap(options?: TalosCallOptions & BootstrapRequest): Promise<NodeReply<WithMetadata>[]>;
  /** The admin kubeconfig (YAML) the node generates. */
  kubeconfig(options?: TalosCallOptions): Promise<string>;
  etcdMemberList(options?: TalosCallOptions & { queryLocal?: boolean }): Promise<NodeReply<EtcdMembersReply>[]>;
  etcdRemoveMemberById(memberId: bigint, options?: TalosCallOptions): Promise<NodeReply<WithMetadata>[]>;
  etcdForfeitLeadership(options?: TalosCallOptions): Promise<NodeReply<EtcdForfeitLeadershipReply>[]>;
  /** Makes the target node leave etcd (run on the node being removed). */
  etcdLeaveCluster(options?: TalosCallOptions): Promise<NodeReply<WithMetadata>[]>;
  serviceList(options?: TalosCallOptions): Promise<NodeReply<ServiceListReply>[]>;
  reboot(options?: TalosCallOptions & RebootRequest): Promise<NodeReply<ActorReply>[]>;
  reset(options?: TalosCallOptions & ResetRequest): Promise<NodeReply<ActorReply>[]>;
  upgrade(options: TalosCallOptions & UpgradeRequest): Promise<NodeReply<UpgradeReply>[]>;
  /**
   * Streams an etcd snapshot into a file (written as `<path>.partial` with mode 0600, renamed when complete,
   * removed on failure) or into a sink. Returns the number of bytes written.
   */
  etcdSnapshot(destination: string | ByteSink, options?: TalosCallOptions): Promise<{ bytes: number }>;
  /**
   * Uploads an etcd snapshot for disaster recovery (EtcdRecover: client streaming, `os:admin`, control planes
   * only) to the endpoint or the one `node`; `bootstrap({ recoverEtcd: true })` then starts etcd from it. The
   * node checks the snapshot only then, so check it first (`checkSnapshot`). Returns the bytes sent.
   */
  etcdRecover(snapshot: ByteSource, options?: Omit<TalosCallOptions, "nodes">): Promise<{ bytes: number }>;
  /** Closes the connection. */
  close(): Promise<void>;
}

/** Options of {@linkcode createMaintenanceClient}. */
export interface MaintenanceClientOptions {
  endpoint: string;
  servername?: string;
  timeoutMs?: number;
}

/** Call options in maintenance mode: a maintenance node forwards nothing, so there is no node targeting. */
export type MaintenanceCallOptions = Omit<TalosCallOptions, "node" | "nodes">;

/**
 * A client for a node in maintenance mode: TLS without client certificate and without verifying the server
 * (its certificate comes from a throw-away CA), used only to apply the first config. The node grants such
 * callers `os:reader` plus ApplyConfiguration.
 */
export interface MaintenanceClient {
  readonly endpoint: string;
  version(options?: MaintenanceCallOptions): Promise<NodeReply<VersionReply>[]>;
  applyConfiguration(
    config: string | Uint8Array,
    options: Omit<ApplyConfigurationOptions, "node" | "nodes">,
  ): Promise<NodeReply<ApplyConfigurationReply>[]>;
  serviceList(options?: MaintenanceCallOptions): Promise<NodeReply<ServiceListReply>[]>;
  close(): Promise<void>;
}

/** Creates a mutual-TLS client for one Talos endpoint. No connection is made until the first call. */
export function createTalosClient(options: TalosClientOptions): TalosClient {
  for (const field of ["caPem", "certPem", "keyPem"] as const) {
    if (!options[field]?.includes("-----BEGIN")) {
      throw new TypeError(`Cannot create Talos client: ${field} is not a PEM document`);
    }
  }
  const channel = new GrpcChannel({
    endpoint: options.endpoint,
    tls: {
      verifyServer: true,
      caPem: options.caPem,
      certPem: options.certPem,
      keyPem: toPkcs8KeyPem(options.keyPem),
      ...(options.servername ? { servername: options.servername } : {}),
    },
  });
  const rpc = new Rpc(channel, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const m = TALOS_METHODS;
  return {
    endpoint: channel.endpoint.address,
    version: (o = {}) => rpc.unary(m.Version, EMPTY, decodeVersion, o),
    applyConfiguration: async (config, o) =>
      await rpc.unary(m.ApplyConfiguration, applyRequest(config, o), decodeApplyConfiguration, o),
    bootstrap: (o = {}) => rpc.unary(m.Bootstrap, encodeBootstrapRequest(o), decodeMetadataOnly, o),
    kubeconfig: async (o = {}) => {
      const chunks: Uint8Array[] = [];
      for await (const chunk of streamData(channel, m.Kubeconfig, EMPTY, o)) chunks.push(chunk);
      return await unpackKubeconfigArchive(concatBytes(chunks));
    },
    etcdMemberList: (o = {}) =>
      rpc.unary(m.EtcdMemberList, encodeEtcdMemberListRequest({ queryLocal: o.queryLocal }), decodeEtcdMembers, o),
    etcdRemoveMemberById: async (memberId, o = {}) => {
      if (typeof memberId !== "bigint" || memberId <= 0n) {
        throw new TypeError(`Cannot remove etcd member "${memberId}": the id must be a positive bigint`);
      }
      return await rpc.unary(
        m.EtcdRemoveMemberByID,
        encodeEtcdRemoveMemberByIdRequest({ memberId }),
        decodeMetadataOnly,
        o,
      );
    },
    etcdForfeitLeadership: (o = {}) => rpc.unary(m.EtcdForfeitLeadership, EMPTY, decodeEtcdForfeitLeadership, o),
    etcdLeaveCluster: (o = {}) => rpc.unary(m.EtcdLeaveCluster, EMPTY, decodeMetadataOnly, o),
    serviceList: (o = {}) => rpc.unary(m.ServiceList, EMPTY, decodeServiceList, o),
    reboot: (o = {}) => rpc.unary(m.Reboot, encodeRebootRequest(o), decodeActorReply, o),
    reset: (o = {}) => rpc.unary(m.Reset, encodeResetRequest(o), decodeActorReply, o),
    upgrade: async (o) => {
      if (!o?.image) throw new TypeError("Cannot upgrade Talos node: image is empty");
      return await rpc.unary(m.Upgrade, encodeUpgradeRequest(o), decodeUpgrade, o);
    },
    etcdSnapshot: (destination, o = {}) => writeStreamTo(destination, streamData(channel, m.EtcdSnapshot, EMPTY, o)),
    etcdRecover: (snapshot, o = {}) => uploadData(channel, m.EtcdRecover, snapshot, o),
    close: () => channel.close(),
  };
}

/** Creates the maintenance-mode client for a fresh node. */
export function createMaintenanceClient(options: MaintenanceClientOptions): MaintenanceClient {
  const channel = new GrpcChannel({
    endpoint: options.endpoint,
    tls: { verifyServer: false, ...(options.servername ? { servername: options.servername } : {}) },
  });
  const rpc = new Rpc(channel, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const m = TALOS_METHODS;
  return {
    endpoint: channel.endpoint.address,
    version: (o = {}) => rpc.unary(m.Version, EMPTY, decodeVersion, local(o)),
    applyConfiguration: async (config, o) =>
      await rpc.unary(m.ApplyConfiguration, applyRequest(config, o), decodeApplyConfiguration, local(o)),
    serviceList: (o = {}) => rpc.unary(m.ServiceList, EMPTY, decodeServiceList, local(o)),
    close: () => channel.close(),
  };
}

class Rpc {
  constructor(readonly channel: GrpcChannel, readonly timeoutMs: number) {}

  /** Calls a method whose reply is `repeated Xxx messages = 1` and flattens it per node. */
  async unary<T extends WithMetadata>(
    method: string,
    request: Uint8Array,
    decodeElement: (bytes: Uint8Array) => T,
    options: TalosCallOptions,
  ): Promise<NodeReply<T>[]> {
    const reply = await this.channel.unary(method, request, toGrpcOptions(options, this.timeoutMs));
    return flattenReplies(decodeReplies(reply, decodeElement), method);
  }
}

function applyRequest(config: string | Uint8Array, options: ApplyConfigurationOptions): Uint8Array {
  const data = typeof config === "string" ? new TextEncoder().encode(config) : config;
  if (data.length === 0) throw new TypeError("Cannot apply Talos configuration: the config is empty");
  return encodeApplyConfigurationRequest({
    data,
    mode: options.mode,
    ...(options.dryRun ? { dryRun: true } : {}),
    ...(options.tryModeTimeoutMs !== undefined ? { tryModeTimeoutMs: options.tryModeTimeoutMs } : {}),
  });
}

/** Strips node targeting that a caller might pass through a wider type. */
function local<T extends TalosCallOptions>(options: T): TalosCallOptions {
  const { node: _node, nodes: _nodes, ...rest } = options;
  return rest;
}
