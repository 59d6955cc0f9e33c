/**
 * Kubernetes Events for every action the operator takes ("ReplacingNode", "ScaledWorkers", …), so
 * `kubectl describe k8z <name>` and `kubectl get events` tell the story. Written as core/v1 Events
 * (what both commands read); a repeat of the same event within 10 minutes bumps `count` and
 * `lastTimestamp` on the existing object instead of creating another, as client-go's recorder does.
 *
 * Recording is best effort by design, as in client-go: a failed Event must never fail the action
 * it describes, so failures go to `onError` (the log) instead of being thrown.
 *
 * @module
 */
import { isKubeError, type KubeClient, type KubeObject } from "../../kube/mod.ts";
import { realTimers, type Timers } from "../../lib/timers.ts";

/** `Normal` for progress, `Warning` for anything a human may need to look at. */
export type EventType = "Normal" | "Warning";

/** Options of {@link EventRecorder}. */
export interface EventRecorderOptions {
  kube: Pick<KubeClient, "create" | "patchMerge">;
  /** `source.component` / `reportingComponent`, e.g. `k8zner-operator`. */
  component: string;
  /** `reportingInstance`: this replica (the pod name). */
  instance: string;
  timers?: Timers;
  /** Uniform [0, 1), for the unique part of Event names. */
  random?: () => number;
  /** Told when an Event could not be written. */
  onError?: (err: unknown, event: { reason: string; message: string }) => void;
}

const MAX_MESSAGE = 1024;
const AGGREGATE_MS = 10 * 60_000;

/** Records Events about objects. */
export class EventRecorder {
  readonly #o: EventRecorderOptions;
  readonly #timers: Timers;
  /** Recently written events by what makes them "the same": name, count, last time. */
  #recent = new Map<string, { name: string; namespace: string; count: number; at: number }>();

  constructor(options: EventRecorderOptions) {
    this.#o = options;
    this.#timers = options.timers ?? realTimers;
  }

  /** Records that `action` happened to `regarding` (never rejects; see module docs). */
  async record(
    regarding: Pick<KubeObject, "apiVersion" | "kind" | "metadata">,
    type: EventType,
    reason: string,
    action: string,
    message: string,
  ): Promise<void> {
    const now = this.#timers.now();
    const time = new Date(now).toISOString().replace(/\.\d{3}Z$/, "Z");
    const note = message.length > MAX_MESSAGE ? message.slice(0, MAX_MESSAGE - 3) + "..." : message;
    // Events of cluster-scoped objects (Nodes) live in `default`, as the kubelet's do.
    const namespace = regarding.metadata.namespace ?? "default";
    const key = [regarding.kind, namespace, regarding.metadata.name, type, reason, action, note].join("\u0000");
    for (const [k, v] of this.#recent) if (now - v.at > AGGREGATE_MS) this.#recent.delete(k);
    try {
      const seen = this.#recent.get(key);
      if (seen) {
        try {
          await this.#o.kube.patchMerge("v1", "Event", seen.name, seen.namespace, {
            count: seen.count + 1,
            lastTimestamp: time,
          });
          this.#recent.set(key, { ...seen, count: seen.count + 1, at: now });
          return;
        } catch (err) {
          if (!isKubeError(err, "NotFound")) throw err;
        }
      }
      const name = `${regarding.metadata.name}.${
        (now * 1_000_000 + Math.floor(Math.random() * 1_000_000)).toString(16)
      }`;
      await this.#o.kube.create({
        apiVersion: "v1",
        kind: "Event",
        metadata: { name, namespace },
        involvedObject: {
          apiVersion: regarding.apiVersion,
          kind: regarding.kind,
          name: regarding.metadata.name,
          ...(regarding.metadata.namespace ? { namespace: regarding.metadata.namespace } : {}),
          ...(regarding.metadata.uid ? { uid: regarding.metadata.uid } : {}),
        },
        type,
        reason,
        action,
        message: note,
        count: 1,
        firstTimestamp: time,
        lastTimestamp: time,
        source: { component: this.#o.component },
        reportingComponent: this.#o.component,
        reportingInstance: this.#o.instance,
      });
      this.#recent.set(key, { name, namespace, count: 1, at: now });
    } catch (err) {
      this.#o.onError?.(err, { reason, message: note });
    }
  }
}
