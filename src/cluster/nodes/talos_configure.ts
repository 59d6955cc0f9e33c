/**
 * Getting a node's machine config onto it: applied over the Talos API while the node is in maintenance mode
 * (never through `user_data`, which workloads can read from the metadata service), then waiting until the node
 * answers the authenticated API, i.e. runs with the config.
 *
 * Re-runs detect a configured node (its authenticated `Version` works) and skip the apply. The config is a
 * secret: it is sent to the node and appears nowhere else (no progress line, no error message).
 *
 * @module
 */
import { isTalosError, type MaintenanceClient, type TalosClient, type VersionReply } from "../../talos/api_client.ts";
import type { TaskHandle } from "../../lib/progress.ts";
import { isTransientTalosError, pollUntil, reasonOf, type TalosDeps, waitReasonOf } from "./talos_deps.ts";

/** How {@linkcode configureNode} left the node. */
export type ConfigureOutcome = "applied" | "already-configured";

/**
 * How long a node takes from taking its config in maintenance mode to answering with it: Talos installs to
 * its disk (from the running image: our snapshot already holds it, nothing is downloaded) and reboots, which a
 * VM does in seconds (siderolabs/talos#4626 treats minutes of firmware POST as bare metal only). 20 s, an
 * estimate: nothing is published; the local cloud's latency model uses the same number (`installRebootMs` in
 * tests/local_cloud/latency_model.ts). {@linkcode waitForConfigured} looks first then, as the action waiter looks
 * at an action first when one of its kind usually finishes.
 */
export const INSTALL_REBOOT_MS = 20_000;

/**
 * Pause between probes of a node that does not answer yet (still booting, or its reboot takes longer): the
 * CLI's Talos interval (`DEFAULT_POLL_INTERVALS.talosMs`). A probe costs no Hetzner request, only a
 * connection the node refuses while down, so it can be shorter than the action polls' 1-5 s.
 */
export const TALOS_REPOLL_MS = 2_000;

/** Options of {@linkcode waitForConfigured}: which node, and how patiently to poll it. */
export interface WaitForConfiguredOptions {
  /** The node's Talos API endpoint (`ip` or `ip:port`; port 50000 when absent). */
  endpoint: string;
  deps: TalosDeps;
  task?: TaskHandle;
  /** How long to wait for the node to answer at all (default 10 min: a fresh server is still booting). */
  timeoutMs?: number;
  /**
   * A fixed pause between attempts, the first one at once (tests, the CLI's poll intervals). Default: the
   * schedule, first look when the node usually answers, then every {@linkcode TALOS_REPOLL_MS}.
   */
  intervalMs?: number;
  /** Deadline of each probe call (default 10 s). */
  callTimeoutMs?: number;
  signal?: AbortSignal;
}

/** Options of {@linkcode configureNode}: the node and polling of {@linkcode waitForConfigured}, plus the config. */
export interface ConfigureNodeOptions extends WaitForConfiguredOptions {
  /** The rendered machine config (a secret). */
  configYaml: string;
}

/**
 * Applies `configYaml` to the node in maintenance mode with mode `REBOOT` (which Talos turns into `NO_REBOOT` in
 * maintenance: the node boots on with the config). Skips when the node is already configured (the authenticated
 * `Version` answers). Retries while neither API answers (node still booting or rebooting).
 *
 * @throws {TalosError} when the node rejects the config (e.g. `INVALID_ARGUMENT`).
 * @throws {TalosWaitTimeout} when the node never answered.
 */
export async function configureNode(options: ConfigureNodeOptions): Promise<ConfigureOutcome> {
  const { deps, endpoint } = options;
  if (options.configYaml.trim() === "") throw new TypeError("Cannot configure Talos node: the config is empty");
  const callTimeoutMs = options.callTimeoutMs ?? 10_000;
  const authenticated = deps.talosClient(endpoint);
  const maintenance = deps.maintenanceClient(endpoint);
  try {
    return await pollUntil(
      deps,
      `apply the machine config to the Talos node at ${endpoint}`,
      // First look at once: a fresh server is called here when its actions finished (the latency model counts
      // the boot inside the create); over the private IP it answers a moment after the attach, once DHCP got
      // its lease (ADR 0010), which the 2 s repoll covers.
      { timeoutMs: options.timeoutMs ?? 600_000, ...talosPollSchedule(options, 0), signal: options.signal },
      async () => {
        const configured = await probeConfigured(authenticated, callTimeoutMs, options.signal);
        if (configured.ok) return { done: true, value: "already-configured" as const };
        const inMaintenance = await probeMaintenance(maintenance, callTimeoutMs, options.signal);
        if (!inMaintenance.ok) {
          // Both down the same transient way (still booting): say just that; otherwise show both answers.
          if (configured.transient && inMaintenance.transient && configured.reason === inMaintenance.reason) {
            return { done: false, reason: configured.reason };
          }
          return {
            done: false,
            reason: `the node answers neither with this cluster's credentials (${configured.reason}) ` +
              `nor in maintenance mode (${inMaintenance.reason})`,
          };
        }
        options.task?.update(`applying the machine config to ${endpoint} (maintenance mode)`);
        try {
          await maintenance.applyConfiguration(options.configYaml, {
            mode: "REBOOT",
            timeoutMs: callTimeoutMs * 3,
            ...(options.signal ? { signal: options.signal } : {}),
          });
        } catch (err) {
          // A config applied by an earlier (interrupted) attempt: the node is on its way to configured.
          if (isTalosError(err, "FAILED_PRECONDITION") && /already applied/i.test(reasonOf(err))) {
            return { done: true, value: "applied" as const };
          }
          // The reply may have been lost after the node took the config; the next probe tells.
          if (isTransientTalosError(err)) return { done: false, reason: `apply interrupted, ${waitReasonOf(err)}` };
          throw err;
        }
        return { done: true, value: "applied" as const };
      },
      (reason) => options.task?.update(`waiting for the Talos API at ${endpoint} (${reason})`),
    );
  } finally {
    await Promise.all([authenticated.close(), maintenance.close()]);
  }
}

/** The options {@linkcode waitForConfigured} takes beyond those it shares with {@linkcode configureNode}. */
export interface WaitForRebootOptions extends WaitForConfiguredOptions {
  /**
   * What {@linkcode configureNode} just did: after `"applied"` the node installs and reboots, so the first look
   * is {@linkcode INSTALL_REBOOT_MS} later; otherwise (or unset) at once.
   */
  after?: ConfigureOutcome;
}

/**
 * Polls the authenticated `Version` until the node answers with this cluster's credentials, tolerating the
 * connection failures of its reboot. Returns the node's Talos version tag.
 *
 * @throws {TalosError} on a non-transient failure (e.g. `PERMISSION_DENIED`: the certificate lacks a role).
 */
export async function waitForConfigured(options: WaitForRebootOptions): Promise<string> {
  const { deps, endpoint } = options;
  const client = deps.talosClient(endpoint);
  const expectedMs = options.after === "applied" ? INSTALL_REBOOT_MS : 0;
  try {
    return await pollUntil(
      deps,
      `reach the configured Talos node at ${endpoint}`,
      { timeoutMs: options.timeoutMs ?? 600_000, ...talosPollSchedule(options, expectedMs), signal: options.signal },
      async () => {
        const probe = await probeConfigured(client, options.callTimeoutMs ?? 10_000, options.signal);
        if (probe.ok) return { done: true, value: probe.version };
        if (!probe.transient) throw probe.error;
        return { done: false, reason: probe.reason };
      },
      (reason) => options.task?.update(`waiting for ${endpoint} to restart with its machine config (${reason})`),
    );
  } finally {
    await client.close();
  }
}

/**
 * When to probe: a fixed `intervalMs` from the first attempt on, or first after `expectedMs` and then every
 * {@linkcode TALOS_REPOLL_MS}. Node time: `pollUntil` divides it by `deps.timeScale`.
 */
export function talosPollSchedule(
  options: Pick<WaitForConfiguredOptions, "intervalMs">,
  expectedMs: number,
): { firstMs: number; intervalMs: number } {
  if (options.intervalMs !== undefined) return { firstMs: 0, intervalMs: options.intervalMs };
  return { firstMs: expectedMs, intervalMs: TALOS_REPOLL_MS };
}

type Probe =
  | { ok: true; version: string }
  | { ok: false; transient: boolean; reason: string; error: unknown };

async function probeConfigured(client: TalosClient, timeoutMs: number, signal?: AbortSignal): Promise<Probe> {
  try {
    const replies = await client.version({ timeoutMs, ...(signal ? { signal } : {}) });
    return { ok: true, version: tagOf(replies) };
  } catch (err) {
    if (signal?.aborted) throw err;
    return { ok: false, transient: isTransientTalosError(err), reason: waitReasonOf(err), error: err };
  }
}

async function probeMaintenance(client: MaintenanceClient, timeoutMs: number, signal?: AbortSignal): Promise<Probe> {
  try {
    const replies = await client.version({ timeoutMs, ...(signal ? { signal } : {}) });
    return { ok: true, version: tagOf(replies) };
  } catch (err) {
    if (signal?.aborted) throw err;
    return { ok: false, transient: isTransientTalosError(err), reason: waitReasonOf(err), error: err };
  }
}

function tagOf(replies: { version?: VersionReply["version"] }[]): string {
  return replies[0]?.version?.tag ?? "";
}
