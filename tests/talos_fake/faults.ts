/**
 * Fault hooks of the fake Talos node: fail the next call of a method, cut a stream midway, delay a call.
 *
 * @module
 */
import type { TalosMethodName } from "../../src/talos/api_methods.ts";
import type { StreamEnd } from "./grpc_server.ts";

/** A method name, or `"*"` for whichever call comes next. */
export type FaultTarget = TalosMethodName | "*";

/** Fault hooks; each hook fires once. */
export class FakeTalosFaults {
  #failures: Array<{ target: FaultTarget; code: number; message: string }> = [];
  #cuts: Array<{ target: FaultTarget; afterMessages: number; end: StreamEnd }> = [];
  #delays: Array<{ target: FaultTarget; ms: number }> = [];

  /** The next call of `target` fails with this gRPC status. */
  failNext(target: FaultTarget, code: number, message = "injected failure"): void {
    this.#failures.push({ target, code, message });
  }

  /** The next stream of `target` ends after `afterMessages` messages: with a status, or an HTTP/2 reset. */
  cutStreamAfter(target: FaultTarget, afterMessages: number, end: StreamEnd): void {
    this.#cuts.push({ target, afterMessages, end });
  }

  /** The next call of `target` waits `ms` before it is handled. */
  delayNext(target: FaultTarget, ms: number): void {
    this.#delays.push({ target, ms });
  }

  /** Removes and returns the failure for this method, if any. */
  takeFailure(method: TalosMethodName): { code: number; message: string } | undefined {
    return take(this.#failures, method);
  }

  /** Removes and returns the stream cut for this method, if any. */
  takeCut(method: TalosMethodName): { afterMessages: number; end: StreamEnd } | undefined {
    return take(this.#cuts, method);
  }

  /** Removes and returns the delay for this method, if any. */
  takeDelay(method: TalosMethodName): number | undefined {
    return take(this.#delays, method)?.ms;
  }
}

function take<T extends { target: FaultTarget }>(list: T[], method: TalosMethodName): T | undefined {
  const index = list.findIndex((entry) => entry.target === method || entry.target === "*");
  return index < 0 ? undefined : list.splice(index, 1)[0];
}
