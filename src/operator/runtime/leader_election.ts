/**
 * Leader election over a `coordination.k8s.io/v1` Lease, as client-go's leaderelection does it: one
 * replica holds the Lease and renews it every retry period; the others watch it expire. Every write
 * is an optimistic update by resourceVersion, so two candidates racing for an expired Lease cannot
 * both win (the loser gets 409 Conflict). Expiry is judged by the local clock from when this replica
 * last saw the record change, never by comparing another machine's timestamps (clock skew).
 *
 * @module
 */
import { isKubeError, type KubeClient, type KubeObject } from "../../kube/mod.ts";
import { realTimers, sleepOn, type Timers } from "../../lib/timers.ts";

/** The calls leader election needs. */
export type LeaseApi = Pick<KubeClient, "get" | "create" | "replace">;

/** Options of {@link LeaderElector}. */
export interface LeaderElectorOptions {
  kube: LeaseApi;
  /** This replica's identity (the pod name), written as `holderIdentity`. */
  identity: string;
  namespace: string;
  /** Lease name. */
  name: string;
  /** How long a Lease stays valid after its last renewal. Default 15 s. */
  leaseDurationMs?: number;
  /** A leader that cannot renew within this time steps down. Default 10 s (< lease duration). */
  renewDeadlineMs?: number;
  /** Time between acquire attempts and between renewals. Default 2 s. */
  retryPeriodMs?: number;
  timers?: Timers;
}

/** Callbacks of {@link LeaderElector.run}. */
export interface LeaderCallbacks {
  /** This replica became leader; `signal` aborts when it stops being leader. */
  onStartedLeading(signal: AbortSignal): void;
  /** Leadership was lost (renewals failed past the deadline or another holder took over): exit. */
  onStoppedLeading(reason: string): void;
  /** Another identity holds the Lease (called when the holder changes). */
  onNewLeader?(identity: string): void;
}

/** Thrown by {@link LeaderElector.requireLeadership} when this replica must not act. */
export class LeadershipLostError extends Error {
  override name = "LeadershipLostError";
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

/** `metav1.MicroTime` as the API server writes it: microsecond precision. */
export function renderMicroTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, "000Z");
}

/** One candidate for the Lease. */
export class LeaderElector {
  readonly identity: string;
  readonly #kube: LeaseApi;
  readonly #namespace: string;
  readonly #name: string;
  readonly #leaseDurationMs: number;
  readonly #renewDeadlineMs: number;
  readonly #retryPeriodMs: number;
  readonly #timers: Timers;
  /** The last Lease read or written, and when (local clock) its spec was last seen to change. */
  #observed: { lease: KubeObject; spec: string; at: number } | undefined;
  /** When this replica last renewed successfully as holder. */
  #renewedAt: number | undefined;

  constructor(options: LeaderElectorOptions) {
    this.identity = options.identity;
    this.#kube = options.kube;
    this.#namespace = options.namespace;
    this.#name = options.name;
    this.#leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.#renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.#retryPeriodMs = options.retryPeriodMs ?? 2_000;
    this.#timers = options.timers ?? realTimers;
    if (this.identity === "") throw new TypeError("Cannot elect a leader without an identity");
    if (!(this.#renewDeadlineMs < this.#leaseDurationMs)) {
      throw new RangeError(
        `Cannot elect with renew deadline ${this.#renewDeadlineMs} ms >= lease duration ${this.#leaseDurationMs} ms`,
      );
    }
  }

  /**
   * Whether this replica holds the Lease by its own bookkeeping (no API call; see
   * {@link requireLeadership}): renewed within the renew deadline, which ends before any other
   * replica can see the Lease expire, so the two never act at once.
   */
  isLeader(): boolean {
    return this.#renewedAt !== undefined && this.#timers.now() < this.#renewedAt + this.#renewDeadlineMs;
  }

  /** The holder of the Lease as last observed (undefined before the first read or when free). */
  observedHolder(): string | undefined {
    const holder = (this.#observed?.lease.spec as LeaseSpec | undefined)?.holderIdentity;
    return holder === "" ? undefined : holder;
  }

  #observe(lease: KubeObject): void {
    const spec = JSON.stringify(lease.spec ?? {});
    if (this.#observed?.spec !== spec) this.#observed = { lease, spec, at: this.#timers.now() };
    else this.#observed.lease = lease;
  }

  /**
   * One acquire-or-renew attempt: creates the Lease when absent, renews it when held by this
   * replica, takes it over when its holder let it expire. Returns whether this replica now leads.
   * API errors (including 409 Conflict from a racing candidate) count as a failed attempt.
   */
  async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.#timers.now();
    try {
      const current = await this.#kube.get("coordination.k8s.io/v1", "Lease", this.#name, this.#namespace);
      if (!current) {
        const created = await this.#kube.create({
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: { name: this.#name, namespace: this.#namespace },
          spec: this.#spec(now, { leaseTransitions: 0 }),
        });
        this.#observe(created);
        this.#renewedAt = now;
        return true;
      }
      this.#observe(current);
      const spec = (current.spec ?? {}) as LeaseSpec;
      const holder = spec.holderIdentity ?? "";
      const heldByMe = holder === this.identity;
      const expired = this.#observed!.at + (spec.leaseDurationSeconds ?? 0) * 1000 <= now;
      if (!heldByMe && holder !== "" && !expired) {
        this.#renewedAt = undefined;
        return false;
      }
      const next = heldByMe
        ? { ...spec, renewTime: renderMicroTime(now), leaseDurationSeconds: this.#leaseDurationMs / 1000 }
        : this.#spec(now, { leaseTransitions: (spec.leaseTransitions ?? 0) + 1 });
      const updated = await this.#kube.replace({ ...current, spec: next });
      this.#observe(updated);
      this.#renewedAt = now;
      return true;
    } catch (err) {
      if (isKubeError(err, "Conflict", "AlreadyExists")) return false;
      throw err;
    }
  }

  #spec(now: number, extra: { leaseTransitions: number }): LeaseSpec {
    return {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.ceil(this.#leaseDurationMs / 1000),
      acquireTime: renderMicroTime(now),
      renewTime: renderMicroTime(now),
      ...extra,
    };
  }

  /**
   * Reads the Lease from the API and throws {@link LeadershipLostError} unless this replica holds
   * it and its last renewal is still valid. Call right before every destructive step.
   */
  async requireLeadership(action: string): Promise<void> {
    const lease = await this.#kube.get("coordination.k8s.io/v1", "Lease", this.#name, this.#namespace);
    const holder = (lease?.spec as LeaseSpec | undefined)?.holderIdentity;
    if (lease) this.#observe(lease);
    if (holder !== this.identity || !this.isLeader()) {
      throw new LeadershipLostError(
        `Cannot ${action}: replica "${this.identity}" no longer leads (Lease ${this.#namespace}/${this.#name} ` +
          `held by ${holder ? `"${holder}"` : "nobody"})`,
      );
    }
  }

  /**
   * Campaigns until leader, then renews every retry period. Calls `onStoppedLeading` and returns
   * when renewals keep failing past the renew deadline, another holder appears, or `signal` aborts
   * (then the Lease is released so a successor need not wait for expiry).
   */
  async run(callbacks: LeaderCallbacks, signal?: AbortSignal): Promise<void> {
    let lastHolder: string | undefined;
    const noteHolder = () => {
      const holder = this.observedHolder();
      if (holder !== undefined && holder !== lastHolder && holder !== this.identity) callbacks.onNewLeader?.(holder);
      lastHolder = holder;
    };
    // Campaign.
    for (;;) {
      if (signal?.aborted) return;
      const led = await this.tryAcquireOrRenew().catch(() => false);
      noteHolder();
      if (led) break;
      if (!(await this.#wait(this.#retryPeriodMs, signal))) return;
    }
    const leading = new AbortController();
    callbacks.onStartedLeading(leading.signal);
    let reason = "stopped";
    for (;;) {
      if (!(await this.#wait(this.#retryPeriodMs, signal))) break;
      const deadline = this.#timers.now() + this.#renewDeadlineMs;
      let renewed = false;
      let lastError = "";
      while (this.#timers.now() < deadline) {
        try {
          if (await this.tryAcquireOrRenew()) {
            renewed = true;
            break;
          }
          const holder = this.observedHolder();
          lastError = `the Lease is held by ${holder ? `"${holder}"` : "nobody"}`;
          if (holder !== undefined && holder !== this.identity) break; // taken over: no point retrying
        } catch (err) {
          lastError = err instanceof Error ? err.message : String(err);
        }
        if (!(await this.#wait(this.#retryPeriodMs, signal))) break;
      }
      if (signal?.aborted) break;
      if (!renewed) {
        reason = `failed to renew the Lease within ${this.#renewDeadlineMs / 1000} s: ${lastError}`;
        break;
      }
    }
    this.#renewedAt = undefined;
    leading.abort(new LeadershipLostError(reason));
    if (signal?.aborted) await this.release().catch(() => {});
    callbacks.onStoppedLeading(signal?.aborted ? "shutting down" : reason);
  }

  /** Gives the Lease up (empty holder) if this replica holds it, so a successor takes over at once. */
  async release(): Promise<void> {
    const lease = await this.#kube.get("coordination.k8s.io/v1", "Lease", this.#name, this.#namespace);
    if ((lease?.spec as LeaseSpec | undefined)?.holderIdentity !== this.identity) return;
    const spec = { ...(lease!.spec as LeaseSpec), holderIdentity: "", leaseDurationSeconds: 1 };
    await this.#kube.replace({ ...lease!, spec });
    this.#renewedAt = undefined;
  }

  /** Sleeps; false when `signal` aborted. */
  async #wait(ms: number, signal?: AbortSignal): Promise<boolean> {
    try {
      await sleepOn(this.#timers, ms, signal);
      return true;
    } catch {
      return false;
    }
  }
}
