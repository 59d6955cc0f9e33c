/**
 * Talking to Kubernetes: a thin client over @kubernetes/client-node (loaded lazily), its error type
 * and the kind table.
 *
 * @module
 */
export {
  createKubeClient,
  type KubeClient,
  type KubeClientOptions,
  type KubeWatch,
  type ListOptions,
  type VersionedList,
  type WatchOptions,
} from "./client.ts";
export { isKubeError, KubeError, toKubeError } from "./errors.ts";
export { findKnownResource, renderResourcePath, type ResourceInfo, splitApiVersion } from "./kinds.ts";
export type { KubeMetadata, KubeObject, WatchEventType } from "./types.ts";
