/**
 * Fault injection, by script (`failNext`) or by probability (`setRandom`, seeded), so reliability
 * tests can exercise retries, timeouts and failing actions against Hetzner-shaped failures.
 *
 * @module
 */

/**
 * Kinds of fault:
 * - `500`/`502`/`503`/`504` (`server_error`, `bad_gateway`, `unavailable`, `timeout`); `5xx` picks one of them;
 * - `429` (`rate_limit_exceeded`, `RateLimit-Remaining: 0`, reset in a second), `conflict` (409), `locked` (423);
 * - `timeout`: the response is held `delayMs` (longer than a client timeout; released at close) and then a 504
 *   is sent;
 * - `action_error`: the request succeeds but the actions it starts end in `error` with `code`;
 * - `slow_action`: the actions it starts take `factor` times longer.
 */
export type FaultKind =
  | "500"
  | "502"
  | "503"
  | "504"
  | "5xx"
  | "429"
  | "conflict"
  | "locked"
  | "timeout"
  | "action_error"
  | "slow_action";

/** A fault with its options. */
export interface FaultSpec {
  kind: FaultKind;
  /**
   * For HTTP faults: apply the request to the state first and only then answer with the fault,
   * like a lost response (the create happened, the client saw an error). Default false.
   */
  processed?: boolean;
  /** `timeout`: real milliseconds to hold the response (default 30000; `close()` releases it). */
  delayMs?: number;
  /** `action_error`: the action error code (default `action_failed`) and message. */
  code?: string;
  message?: string;
  /** `slow_action`: duration multiplier (default 10). */
  factor?: number;
}

/** Which requests a scripted fault applies to. `path` is matched against the path after `/v1`. */
export interface FaultMatch {
  method?: string;
  /** A RegExp tested against e.g. `/servers/42/actions/poweron`, or an exact path string. */
  path?: RegExp | string;
  /** How many matching requests fail (default 1). */
  times?: number;
}

/** Random faults: each matching request fails with probability `rate`, kind drawn from `kinds`. */
export interface RandomFaults {
  rate: number;
  kinds: (FaultKind | FaultSpec)[];
  seed?: number;
  method?: string;
  path?: RegExp | string;
}

/** A fault that was injected, for assertions. */
export interface InjectedFault {
  method: string;
  path: string;
  kind: FaultKind;
  source: "script" | "random";
}

const HTTP_5XX = ["500", "502", "503", "504"] as const;

/** The fault controller exposed as `sim.faults`. */
export class Faults {
  readonly injected: InjectedFault[] = [];
  #scripted: { match: FaultMatch; left: number; spec: FaultSpec }[] = [];
  #random: (RandomFaults & { next: () => number }) | undefined;
  #rng: () => number = mulberry32(1);

  /** Makes the next `times` requests matching `match` fail with `fault`. */
  failNext(match: FaultMatch, fault: FaultKind | FaultSpec): void {
    const times = match.times ?? 1;
    if (!(times >= 1)) throw new RangeError(`Cannot script a fault for ${times} requests: times must be >= 1`);
    this.#scripted.push({ match, left: times, spec: toSpec(fault) });
  }

  /** Enables seeded random faults (replacing any earlier setting); `rate` 0 disables them. */
  setRandom(opts: RandomFaults): void {
    if (!(opts.rate >= 0 && opts.rate <= 1)) throw new RangeError(`Cannot use fault rate ${opts.rate}: must be 0..1`);
    if (opts.kinds.length === 0) throw new RangeError("Cannot enable random faults without kinds");
    this.#random = opts.rate === 0 ? undefined : { ...opts, next: mulberry32(opts.seed ?? 42) };
  }

  /** Removes every scripted and random fault. */
  clear(): void {
    this.#scripted = [];
    this.#random = undefined;
  }

  /** Number of scripted faults not used yet. */
  get pending(): number {
    return this.#scripted.reduce((n, f) => n + f.left, 0);
  }

  /** Picks the fault for a request, if any (used by the router). */
  take(method: string, path: string): FaultSpec | undefined {
    const scripted = this.#scripted.find((f) => matches(f.match, method, path));
    let spec: FaultSpec | undefined;
    let source: InjectedFault["source"] = "script";
    if (scripted) {
      scripted.left -= 1;
      if (scripted.left <= 0) this.#scripted = this.#scripted.filter((f) => f !== scripted);
      spec = scripted.spec;
    } else if (this.#random && matches(this.#random, method, path) && this.#random.next() < this.#random.rate) {
      const kinds = this.#random.kinds.filter((k) => canHappen(toSpec(k).kind, method, path));
      if (kinds.length > 0) {
        spec = toSpec(kinds[Math.floor(this.#random.next() * kinds.length)]!);
        source = "random";
      }
    }
    if (!spec) return undefined;
    if (spec.kind === "5xx") {
      const rng = this.#random?.next ?? this.#rng;
      spec = { ...spec, kind: HTTP_5XX[Math.floor(rng() * HTTP_5XX.length)]! };
    }
    this.injected.push({ method, path, kind: spec.kind, source });
    return spec;
  }
}

/**
 * Whether Hetzner can answer this request with this fault: `locked` (an action already runs on
 * the resource) only concerns requests that act on an existing resource (action POSTs, PUT,
 * DELETE), never reads or creates; failing or slow actions need a request that starts one.
 * Random faults respect this so a reliability test does not meet answers the real API never gives.
 */
function canHappen(kind: FaultKind, method: string, path: string): boolean {
  const actsOnResource = (method === "POST" && path.includes("/actions/")) || method === "PUT" ||
    method === "DELETE";
  if (kind === "locked") return actsOnResource;
  if (kind === "action_error" || kind === "slow_action") return method === "POST" || method === "DELETE";
  return true;
}

function toSpec(fault: FaultKind | FaultSpec): FaultSpec {
  return typeof fault === "string" ? { kind: fault } : fault;
}

function matches(match: { method?: string; path?: RegExp | string }, method: string, path: string): boolean {
  if (match.method && match.method.toUpperCase() !== method) return false;
  if (match.path instanceof RegExp) return match.path.test(path);
  if (typeof match.path === "string") return match.path === path;
  return true;
}

/** Small seeded PRNG (mulberry32), so random fault runs are reproducible. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
