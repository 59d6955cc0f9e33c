/**
 * What the fake node's RPC handlers share: the handler shapes and the preconditions machined checks
 * before etcd and control-plane calls.
 *
 * @module
 */
import { GrpcCode } from "../../src/talos/grpc/errors.ts";
import { type RpcCall, RpcError } from "./grpc_server.ts";
import type { FakeTalosNodeCore } from "./node.ts";

/** What a handler knows about its call. */
export interface Ctx {
  call: RpcCall;
}

/** A method with one reply message: the reply elements for the node, and how one is encoded. */
export type Unary = {
  run: (node: FakeTalosNodeCore, request: Uint8Array, ctx: Ctx) => Promise<object[]>;
  encode: (e: never) => Uint8Array;
};
/** A server-streaming method that sends bytes (`common.Data` chunks). */
export type Stream = (node: FakeTalosNodeCore, request: Uint8Array, ctx: Ctx) => Promise<Uint8Array>;

/** Refuses a call that only control planes serve (`machinehelper.CheckControlplane`). */
export function requireControlPlane(node: FakeTalosNodeCore, what: string): void {
  if (node.state.config?.machineType === "worker") {
    throw new RpcError(GrpcCode.UNIMPLEMENTED, `${what} is only available on control plane nodes`);
  }
}

/** The node's etcd membership, or FAILED_PRECONDITION when etcd does not run here. */
export function requireEtcdMember(node: FakeTalosNodeCore) {
  const etcd = node.network.etcd;
  const id = node.state.etcdMemberId;
  if (node.inMaintenance || !etcd || id === undefined || !etcd.members.some((m) => m.id === id)) {
    throw new RpcError(GrpcCode.FAILED_PRECONDITION, "etcd is not running on this node");
  }
  return { etcd, id };
}
