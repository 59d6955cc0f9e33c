/**
 * The latency model: how long each Hetzner action and Talos/Kubernetes step takes in the real world,
 * in simulated milliseconds. The local cloud applies these durations (scaled by its speed factor, so
 * tests stay fast) and the critical-path calculator (`critical_path.ts`) adds them up into the lower
 * bound of an `apply --wait`. One place, so the simulation and the bound cannot drift apart.
 *
 * Sources: few of these are published. Hetzner documents no action durations and the Talos docs give
 * none either; where a number comes from a public thread it says so, every other number is marked
 * "estimate" with the reason it is plausible. The searches behind this (Hetzner docs and wiki, the
 * hcloud/Talos/Terraform-module issue trackers) found qualitative statements only ("Hetzner is really
 * slow to start snapshots", mrsimonemms/devpod-provider-hetzner#17; "etcd requires additional time to
 * fully bootstrap" from Talos 1.8 on, hcloud-k8s/terraform-hcloud-kubernetes#76) and the hcloud CLI's
 * 500 ms action poll interval (which bounds how soon a client can see an action finish).
 *
 * Changing a number here changes the real time of every local-cloud test by number / speed; keep the
 * suite's speed (200 or more) in mind.
 *
 * @module
 */
import { DEFAULT_DURATIONS } from "../hcloud_sim/mod.ts";

/**
 * Hetzner Cloud action durations, by action command (what the simulator's `durationMs` reads): the
 * simulator's own defaults, where each number has its source or its reason.
 */
export const HETZNER_ACTIONS = DEFAULT_DURATIONS;

/** The action commands the model covers. */
export type HetznerActions = { readonly [K in keyof typeof HETZNER_ACTIONS]: number };

/** Talos, Kubernetes and Helm steps (simulated milliseconds). */
export const STEPS = {
  /**
   * Writing the Talos raw image to the build server's disk from the rescue system (download + dd).
   * Estimate: the image is ~1.2 GB uncompressed, downloaded from factory.talos.dev at data-centre speed
   * and written to NVMe; 30 s. The rescue system's own boot after reset is inside reset_server plus this.
   */
  imageWriteMs: 30_000,
  /**
   * Talos install and reboot after the config is applied (install to disk, kexec/reboot, API back).
   * Estimate: Talos installs from the running image (no download when booted from our snapshot), then
   * reboots; the #4626 thread (siderolabs/talos) treats minutes of firmware POST as bare-metal only, a
   * VM reboots in seconds. 20 s.
   */
  installRebootMs: 20_000,
  /**
   * etcd bootstrap until the API server answers (static pods pulled and started). Estimate: image pulls
   * of etcd, kube-apiserver, controller-manager and scheduler plus etcd's first election; 30 s. The
   * local cloud applies it as the delay between a ready etcd and the fake API server.
   */
  apiServerStartMs: 30_000,
  /**
   * A joining control plane's etcd learner catching up before Talos promotes it to voter. Estimate: an
   * empty cluster's etcd snapshot is a few MB; Talos polls the promotion every few seconds; 10 s.
   */
  learnerPromotionMs: 10_000,
  /**
   * The kubelet restart Talos does when a config applied without reboot changes the kubelet (a Kubernetes
   * upgrade's new kubelet image): stop, start, first runtime status and PLEG relist, Ready posted again.
   * Estimate: the image was pulled beforehand (`talosctl upgrade-k8s` pre-pulls), the kubelet is Ready
   * again within seconds; 10 s, most of it NotReady.
   */
  kubeletRestartMs: 10_000,
  /**
   * A kube-apiserver static pod restarted with a new image on a running control plane (etcd up, image
   * pre-pulled): process start, storage and informer warm-up, readiness. Estimate: 15 s.
   */
  apiServerRestartMs: 15_000,
  /**
   * Kubelet registration to Node Ready once the CNI runs. Estimate: the kubelet posts the Node at once;
   * Ready waits for the CNI's agent pod on that node (image pull + BPF compile, "can take a significant
   * time to start", kubespray's Cilium docs); 20 s. Not simulated: the local cloud's kubelet reports
   * Ready as soon as its node exists, so the bench's bound excludes it (see SIMULATED_STEPS).
   */
  nodeReadyMs: 20_000,
  /**
   * One `helm upgrade --install --wait` of an addon chart (render, apply, pods Ready). Estimate: image
   * pulls dominate; 30 s per chart. Not simulated (the local cloud's Helm shim and stand-ins answer at
   * once), so the bench's bound excludes it.
   */
  helmInstallMs: 30_000,
} as const;

/** The steps the local cloud applies today; the rest exist only in the model. */
export const SIMULATED_STEPS: ReadonlySet<keyof typeof STEPS> = new Set([
  "imageWriteMs",
  "installRebootMs",
  "apiServerStartMs",
  "learnerPromotionMs",
  "kubeletRestartMs",
  "apiServerRestartMs",
]);

/** The whole model: Hetzner actions and the steps above. */
export interface LatencyModel {
  actions: HetznerActions;
  steps: Readonly<Record<keyof typeof STEPS, number>>;
}

/** The real-world model. */
export const LATENCY_MODEL: LatencyModel = { actions: HETZNER_ACTIONS, steps: STEPS };

/** The model with the steps the local cloud does not simulate set to 0: what a local-cloud run can reach. */
export function simulatedModel(model: LatencyModel = LATENCY_MODEL): LatencyModel {
  const steps = Object.fromEntries(
    Object.entries(model.steps).map(([k, v]) => [k, SIMULATED_STEPS.has(k as keyof typeof STEPS) ? v : 0]),
  ) as Record<keyof typeof STEPS, number>;
  return { actions: model.actions, steps };
}
