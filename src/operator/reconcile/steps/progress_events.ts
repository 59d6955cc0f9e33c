/**
 * A progress sink for the shared ensure steps of `src/cluster/` that turns what they report into the
 * operator's output: every change they make (`done`) becomes a log line and a Kubernetes Event on the
 * K8znerCluster; what needed no change (`skip`) only a debug line; failures a warning.
 *
 * @module
 */
import type { ProgressSink } from "../../../lib/progress.ts";
import type { KubeObject } from "../../../kube/mod.ts";
import type { EventRecorder, JsonLogger } from "../../runtime/mod.ts";

/** Where the sink reports. */
export interface ProgressTarget {
  cluster: KubeObject;
  events: Pick<EventRecorder, "record">;
  log: JsonLogger;
}

/** A sink reporting to the context's log and events under `reason` (e.g. `InfrastructureChanged`). */
export function eventingProgress(ctx: ProgressTarget, reason: string): ProgressSink {
  return {
    task(title) {
      return {
        start: () => {},
        update: (detail) => ctx.log.debug(`${title}: ${detail}`, { step: reason }),
        done: (detail) => {
          const message = detail ? `${title}: ${detail}` : title;
          ctx.log.info(message, { step: reason });
          // Recording never rejects (events.ts); the step does not wait for it.
          void ctx.events.record(ctx.cluster, "Normal", reason, title, message);
        },
        skip: (why) => ctx.log.debug(`${title}: ${why}`, { step: reason }),
        fail: (message) => ctx.log.warn(`${title} failed: ${message}`, { step: reason }),
      };
    },
    note: (message) => ctx.log.info(message, { step: reason }),
    close: () => {},
  };
}
