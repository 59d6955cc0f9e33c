/**
 * The operator's runtime, apart from what it reconciles: list+watch per kind, the keyed work queue,
 * Lease leader election, the probe and metrics endpoints, JSON logs and Kubernetes Events.
 *
 * @module
 */
export { clusterEventNeedsReconcile, clusterKeysForNode, keyOf, serverIdOfNode } from "./event_keys.ts";
export { ClusterEventSources, type ClusterEventSourcesOptions } from "./event_sources.ts";
export { EventRecorder, type EventRecorderOptions, type EventType } from "./events.ts";
export {
  type OperatorHttpServer,
  type OperatorHttpServerOptions,
  parseBindAddress,
  type ProbeCheck,
  startOperatorHttpServer,
} from "./http_server.ts";
export {
  createJsonLogger,
  type JsonLogger,
  type JsonLoggerOptions,
  type LogFields,
  type LogLevel,
} from "./json_logger.ts";
export {
  type LeaderCallbacks,
  LeaderElector,
  type LeaderElectorOptions,
  LeadershipLostError,
  type LeaseApi,
} from "./leader_election.ts";
export { type ChangeType, ListWatcher, type ListWatcherOptions, type ListWatchNotice } from "./list_watch.ts";
export { countingFetch, countingHelm, type MetricRole, OperatorMetrics } from "./metrics.ts";
export {
  type ReconcileResult,
  runWorkers,
  type RunWorkersOptions,
  WorkQueue,
  type WorkQueueOptions,
} from "./work_queue.ts";
