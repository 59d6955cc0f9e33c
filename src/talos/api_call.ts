/**
 * The plumbing shared by the Talos API clients: call options to gRPC metadata, and multi-node replies
 * flattened into per-node results, with per-node failures turned into {@linkcode NodeError}s.
 *
 * @module
 */
import type { GrpcCallOptions } from "./grpc/channel.ts";
import { GrpcCode, NodeError, NodeErrors, TalosError } from "./grpc/errors.ts";
import type { WithMetadata } from "./messages/common.ts";

/** Options every Talos call takes. */
export interface TalosCallOptions {
  /**
   * Fan the call out to these nodes through the endpoint (apid "one-2-many"); the reply has one entry per node.
   * Mutually exclusive with `node`.
   */
  nodes?: string[];
  /** Proxy the call to this one node through the endpoint. Mutually exclusive with `nodes`. */
  node?: string;
  /** Deadline of this call; overrides the client's default. */
  timeoutMs?: number;
  /** Cancels the call (it fails with `CANCELLED`). */
  signal?: AbortSignal;
}

/** A reply element with its `metadata` replaced by the node that answered (`undefined`: the endpoint itself). */
export type NodeReply<T extends WithMetadata> = Omit<T, "metadata"> & { node: string | undefined };

/** Turns call options into gRPC call options; rejects `node` together with `nodes`. */
export function toGrpcOptions(options: TalosCallOptions, defaultTimeoutMs: number | undefined): GrpcCallOptions {
  if (options.node !== undefined && options.nodes !== undefined) {
    throw new TypeError("Cannot call Talos API: set either node or nodes, not both");
  }
  const metadata: Record<string, string | string[]> = {};
  if (options.nodes !== undefined) {
    if (options.nodes.length === 0) throw new TypeError("Cannot call Talos API: nodes is empty");
    metadata.nodes = [...options.nodes];
  }
  if (options.node !== undefined) metadata.node = options.node;
  const grpc: GrpcCallOptions = { metadata };
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  if (timeoutMs !== undefined) grpc.timeoutMs = timeoutMs;
  if (options.signal) grpc.signal = options.signal;
  return grpc;
}

/** The error a node reported inside a reply, or undefined when it succeeded. */
export function nodeErrorOf(element: WithMetadata, method: string): NodeError | undefined {
  const metadata = element.metadata;
  if (!metadata?.error && !(metadata?.status && metadata.status.code !== 0)) return undefined;
  const node = metadata.hostname ?? "";
  const code = metadata.status?.code || GrpcCode.UNKNOWN;
  const details = metadata.status?.message || metadata.error || "unknown error";
  return new NodeError(node, new TalosError(code, details, { method, endpoint: node || undefined }));
}

/**
 * Flattens a reply's elements into per-node results. When nodes failed, throws: a {@linkcode NodeError} for one
 * failure, {@linkcode NodeErrors} for several; both carry the other nodes' results in `results`.
 */
export function flattenReplies<T extends WithMetadata>(elements: T[], method: string): NodeReply<T>[] {
  const results: NodeReply<T>[] = [];
  const errors: NodeError[] = [];
  for (const element of elements) {
    const error = nodeErrorOf(element, method);
    if (error) {
      errors.push(error);
      continue;
    }
    const { metadata, ...rest } = element;
    results.push({ ...rest, node: metadata?.hostname || undefined } as NodeReply<T>);
  }
  if (errors.length === 1) {
    errors[0]!.results = results;
    throw errors[0];
  }
  if (errors.length > 1) throw new NodeErrors(errors, results);
  return results;
}
