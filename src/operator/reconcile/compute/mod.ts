/**
 * The Compute phase of the operator: observe servers and Nodes, add nodes, scale control planes one at a
 * time and workers in parallel (down by drain), for the reconciler and the healing step.
 *
 * @module
 */
export { observeCompute, SERVER_LISTING_MAX_AGE_MS, serverListingReason } from "./observe.ts";
export { nodeActions, type NodeActionsOptions } from "./node_actions.ts";
export { decideControlPlanes, reconcileControlPlanes } from "./control_planes.ts";
export { planWorkers, reconcileWorkers, type WorkerOptions } from "./workers.ts";
export { drainOnce, isEvictable } from "./drain.ts";
export { ImageMissingError } from "./image.ts";
