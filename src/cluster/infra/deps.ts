/**
 * What the infrastructure steps need from the outside world, injected so tests can run them
 * against the Hetzner simulator or a scripted fetch.
 *
 * @module
 */
import type { HcloudClient } from "../../hcloud/mod.ts";
import type { ActionWaiter } from "./action_waiter.ts";

/** Dependencies of the ensure and destroy steps. */
export interface ClusterDeps {
  hc: HcloudClient;
  /** Shared by parallel steps so one `GET /actions?id=…` per poll covers all of them. */
  actions: ActionWaiter;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Epoch milliseconds. */
  clock: () => number;
  /** Generates the public half of the cluster's SSH key (default: a fresh Ed25519 key, private half discarded). */
  generatePublicKey?: (comment: string) => Promise<string>;
}
