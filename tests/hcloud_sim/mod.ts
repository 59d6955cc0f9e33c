/**
 * A Hetzner Cloud API simulator for tests and the local cloud: an HTTP server (`Deno.serve` on
 * 127.0.0.1) serving `/v1/...` with Hetzner's semantics (numeric ids, actions over simulated
 * time, 423 locked, uniqueness and input errors, label selectors, pagination, rate limit, status
 * transitions, rescue mode, snapshots, private IPs in subnets, load balancer target health),
 * plus observability (state, request log, events) and fault injection.
 *
 * ```ts
 * await using sim = await startHcloudSimulator({ speed: 1000 });
 * const res = await fetch(`${sim.url}/servers`, { headers: { Authorization: "Bearer x" } });
 * ```
 *
 * @module
 */
import type { ActionEngine as ActionEngineType } from "./actions.ts";
import { ActionEngine } from "./actions.ts";
import { createSimClock, isoTime } from "./clock.ts";
import { Faults, mulberry32 } from "./faults.ts";
import type { Route } from "./http.ts";
import { PublicIpPool, type PublicIpv4Ranges } from "./ip.ts";
import { RateLimiter, type RateLimitOptions } from "./rate_limit.ts";
import { seedSystemImages } from "./resources/images.ts";
import { ROUTES } from "./routes.ts";
import { createRouter, type RequestRecord } from "./router.ts";
import {
  createState,
  type Durations,
  type ImageRecord,
  type SimContext,
  type SimEvent,
  type SimState,
  type TargetHealthProbe,
} from "./state.ts";

export type { FaultKind, FaultMatch, FaultSpec, InjectedFault, RandomFaults } from "./faults.ts";
export type { Faults } from "./faults.ts";
export type { RequestRecord } from "./router.ts";
export type {
  Durations,
  ImageRecord,
  LoadBalancerRecord,
  NetworkRecord,
  ServerEventInfo,
  ServerRecord,
  SimEvent,
  SimState,
  TargetHealthProbe,
} from "./state.ts";
export type { RateLimitOptions } from "./rate_limit.ts";
export type { PublicIpv4Kind, PublicIpv4Ranges } from "./ip.ts";
export { simulatedOperations } from "./routes.ts";

/**
 * Simulated durations (ms) of each action command; `shutdown_os` is the OS's ACPI power-off delay. Also
 * the local cloud's latency model (tests/local_cloud/latency_model.ts): sources there and here.
 */
export const DEFAULT_DURATIONS = {
  // Estimate: the create_server action finishes when the VM runs; Hetzner markets "server in seconds"
  // and the devpod thread (mrsimonemms/devpod-provider-hetzner#17) found a fresh server and one from a
  // snapshot about as fast. 12 s covers the action plus the Talos boot to its API (a minimal OS: no
  // cloud-init, no package install).
  create_server: 12_000,
  // Estimate: a power-on of an existing VM skips allocation; half of create.
  start_server: 6_000,
  // Estimate: hard power-off is immediate on the hypervisor; the action's bookkeeping dominates.
  stop_server: 3_000,
  // Estimate: the ACPI signal itself; the OS's own delay is shutdown_os.
  shutdown_server: 1_000,
  // Estimate: Talos stops its services and unmounts on ACPI power-off in a few seconds.
  shutdown_os: 8_000,
  // Estimate: a reboot is power-cycle plus firmware; less than a fresh create.
  reboot_server: 5_000,
  // Estimate: a hard reset (used to enter rescue); the reboot into the rescue system follows the action.
  reset_server: 3_000,
  // Estimate: enable_rescue only flags the next boot; no VM work.
  enable_rescue: 1_500,
  disable_rescue: 1_500,
  // Published qualitatively only ("Hetzner is REALLY slow to start snapshots", devpod #17; the Talos
  // Hetzner guide builds it once with hcloud-upload-image and reuses it). Estimate 45 s for a
  // blkdiscarded ~1 GB Talos disk (hcloud-k8s/terraform-hcloud-kubernetes#110 zeroes the disk first
  // precisely because snapshot time grows with the used blocks).
  create_image: 45_000,
  // Estimate: private network attach is a hypervisor-side port change.
  attach_to_network: 3_000,
  detach_from_network: 2_000,
  // Estimate: deletion frees the VM asynchronously; the action reports after the power-off.
  delete_server: 5_000,
  // Estimate: subnet and firewall changes are control-plane bookkeeping (no VM touched).
  add_subnet: 1_000,
  delete_subnet: 1_000,
  set_firewall_rules: 1_500,
  apply_firewall: 2_000,
  remove_firewall: 2_000,
  // Estimate: a load balancer is a managed VM pair; faster than a server create since its image is fixed.
  create_load_balancer: 8_000,
  add_service: 2_000,
  delete_service: 2_000,
  add_target: 2_000,
  remove_target: 2_000,
  create_volume: 5_000,
  attach_volume: 3_000,
  detach_volume: 3_000,
  assign_primary_ip: 1_000,
  unassign_primary_ip: 1_000,
} as const satisfies Durations;

/** Options of {@link startHcloudSimulator}. */
export interface HcloudSimulatorOptions {
  /** Port to listen on (default 0 = any free port). */
  port?: number;
  /** Address to listen on (default 127.0.0.1). */
  hostname?: string;
  /** Simulated time runs this many times faster than real time (default 1; tests use 100–10000). */
  speed?: number;
  /** Simulated epoch ms at start (default: now). */
  start?: number;
  /** Overrides of {@link DEFAULT_DURATIONS}. */
  durations?: Partial<Durations>;
  /** Rate limit (default 3600 per token, refilled 1/s of real time); `false` never limits. */
  rateLimit?: RateLimitOptions | false;
  /** Seed for ids of MACs, passwords, correlation ids, image sizes (default 1). */
  seed?: number;
  /** Real clock (injected for tests of the clock itself). */
  realNow?: () => number;
  /**
   * Where public IPv4 addresses come from, per kind (default: the documentation ranges). The local
   * cloud gives loopback ranges so each server's address is one a fake can listen on.
   */
  publicIpv4Ranges?: PublicIpv4Ranges;
}

/** A running simulator. */
export interface HcloudSimulator extends AsyncDisposable {
  /** API base URL, e.g. `http://127.0.0.1:41234/v1` (use as `HCLOUD_ENDPOINT`). */
  readonly url: string;
  readonly port: number;
  /** The live world (records, not API JSON): read it, do not change it behind the API's back. */
  readonly state: Readonly<SimState>;
  /** Every request in order: method, path (after /v1), query, status, fault. */
  readonly requests: readonly RequestRecord[];
  /** Requests counted by method, e.g. `{GET: 12, POST: 3}`. */
  requestCounts(): Record<string, number>;
  /** Fault injection controller. */
  readonly faults: Faults;
  /** Subscribes to events; returns the unsubscribe function. */
  onEvent(cb: (event: SimEvent) => void): () => void;
  /** Replaces the load balancer target health probe (`undefined` restores "healthy when running"). */
  setTargetHealthProbe(probe: TargetHealthProbe | undefined): void;
  /** Simulated now (epoch ms). */
  now(): number;
  /** Jumps simulated time forward and applies everything that became due. */
  advance(ms: number): void;
  /** Resolves when no action is running and nothing is scheduled (or rejects after `timeoutMs` real ms). */
  settle(timeoutMs?: number): Promise<void>;
  /** Adds a ready snapshot (e.g. a Talos image) without going through `create_image`. */
  addSnapshot(
    opts: { description: string; labels?: Record<string, string>; architecture?: "x86" | "arm" },
  ): ImageRecord;
  /** The action engine (read access to actions). */
  readonly engine: ActionEngineType;
  /** Stops the server and every timer. */
  close(): Promise<void>;
}

const ID_BASE: Record<string, number> = {
  action: 90_000_000,
  server: 40_000_000,
  image: 200_000_000,
  network: 3_000_000,
  firewall: 1_400_000,
  load_balancer: 2_100_000,
  placement_group: 500_000,
  ssh_key: 20_000_000,
  volume: 100_000_000,
  primary_ip: 60_000_000,
};

/** Starts a simulator; close it with `await sim.close()` (or `await using`). */
export async function startHcloudSimulator(opts: HcloudSimulatorOptions = {}): Promise<HcloudSimulator> {
  const realNow = opts.realNow ?? (() => Date.now());
  const clock = createSimClock({ speed: opts.speed ?? 1, start: opts.start, realNow });
  const counters = new Map<string, number>();
  const nextId = (kind: string) => {
    const n = (counters.get(kind) ?? ID_BASE[kind] ?? 1_000) + 1;
    counters.set(kind, n);
    return n;
  };
  const random = mulberry32(opts.seed ?? 1);
  const state = createState();
  seedSystemImages(state);
  const engine = new ActionEngine(clock, () => nextId("action"));
  const listeners = new Set<(e: SimEvent) => void>();
  const defaultProbe: TargetHealthProbe = ({ server }) => server.status === "running";
  let probe = defaultProbe;
  const ctx: SimContext = {
    state,
    clock,
    engine,
    publicIps: new PublicIpPool(opts.publicIpv4Ranges),
    durations: { ...DEFAULT_DURATIONS, ...opts.durations } as Durations,
    nextId,
    emit: (event) => {
      for (const cb of listeners) {
        try {
          cb(event);
        } catch (err) {
          console.error("hcloud simulator: event listener failed:", err);
        }
      }
    },
    healthProbe: () => probe,
    random,
  };

  let closed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const holds = new Set<() => void>();
  const arm = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (closed) return;
    const due = engine.nextDue();
    if (due === undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      engine.tick();
      arm();
    }, Math.min(clock.realDelay(due - clock.now()), 2 ** 31 - 1));
  };
  engine.onChange = () => {
    if (!closed) queueMicrotask(arm);
  };

  const routes: Route[] = [...ROUTES];
  const requests: RequestRecord[] = [];
  const faults = new Faults();
  const rateLimiter = new RateLimiter(opts.rateLimit, realNow);
  const handler = createRouter({
    ctx,
    routes,
    faults,
    rateLimiter,
    requests,
    afterRequest: arm,
    now: realNow,
    hold: (ms) =>
      new Promise<void>((resolve) => {
        if (closed) return resolve();
        const done = () => {
          clearTimeout(t);
          holds.delete(done);
          resolve();
        };
        const t = setTimeout(done, ms);
        holds.add(done);
      }),
  });

  const { promise: listening, resolve: onListen } = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve({
    hostname: opts.hostname ?? "127.0.0.1",
    port: opts.port ?? 0,
    onListen: (addr) => onListen(addr as Deno.NetAddr),
  }, handler);
  const addr = await listening;

  const sim: HcloudSimulator = {
    url: `http://${addr.hostname}:${addr.port}/v1`,
    port: addr.port,
    state,
    requests,
    requestCounts: () => {
      const counts: Record<string, number> = {};
      for (const r of requests) counts[r.method] = (counts[r.method] ?? 0) + 1;
      return counts;
    },
    faults,
    engine,
    onEvent: (cb) => {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    setTargetHealthProbe: (p) => {
      probe = p ?? defaultProbe;
    },
    now: () => clock.now(),
    advance: (ms) => {
      clock.advance(ms);
      engine.tick();
      arm();
    },
    settle: async (timeoutMs = 10_000) => {
      const deadline = realNow() + timeoutMs;
      for (;;) {
        engine.tick();
        const due = engine.nextDue();
        if (due === undefined && !engine.busy) return;
        if (realNow() > deadline) throw new Error(`hcloud simulator did not settle within ${timeoutMs} ms`);
        const wait = due === undefined ? 5 : Math.max(1, Math.min(clock.realDelay(due - clock.now()), 50));
        await new Promise((r) => setTimeout(r, wait));
      }
    },
    addSnapshot: ({ description, labels = {}, architecture = "x86" }) => {
      const image: ImageRecord = {
        id: nextId("image"),
        type: "snapshot",
        status: "available",
        name: null,
        description,
        imageSize: 0.45,
        diskSize: 40,
        created: clock.now(),
        createdFrom: null,
        boundTo: null,
        osFlavor: "unknown",
        osVersion: null,
        architecture,
        labels: { ...labels },
        protection: { delete: false },
        deprecated: null,
      };
      state.images.set(image.id, image);
      ctx.emit({ type: "image.available", at: isoTime(clock.now()), image: { id: image.id, labels: { ...labels } } });
      return image;
    },
    close: async () => {
      if (closed) return;
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      for (const release of [...holds]) release();
      await server.shutdown();
    },
    [Symbol.asyncDispose]: () => sim.close(),
  };
  return sim;
}
