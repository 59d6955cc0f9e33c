/**
 * The shape of Kubernetes objects as k8zner handles them: plain JSON values, typed just enough for
 * the fields every object has.
 *
 * @module
 */

/** Object metadata (the fields k8zner reads or writes; the server adds more). */
export interface KubeMetadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  finalizers?: string[];
  [key: string]: unknown;
}

/** Any Kubernetes object: `apiVersion`, `kind`, `metadata` and whatever else its kind defines. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: KubeMetadata;
  [key: string]: unknown;
}

/** A watch event type as the API server sends it. */
export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
