/**
 * Values of the metrics-server chart (`kubectl top`, the HorizontalPodAutoscaler's resource metrics).
 *
 * `--kubelet-insecure-tls`: our Talos config does not set the kubelet's `rotate-server-certificates`
 * (src/talos/machine_config.ts: kubelet `extraArgs` hold only `cloud-provider` and, per node, `provider-id`),
 * so each kubelet serves a self-signed certificate that no CA in the cluster signed. Verifying it would fail
 * every scrape, and metrics-server turns ready only after a successful scrape, so the release would never
 * become ready. Turning rotation on would need a CSR approver for kubelet serving certificates as one more
 * component; the connection stays TLS, only unauthenticated towards the kubelet, inside our private network.
 *
 * `--kubelet-preferred-address-types=InternalIP`: Nodes' InternalIP is their private address (the CCM sets it
 * from the network); the chart's default also tries ExternalIP and Hostname, which would leave the private
 * network or need DNS for node names.
 *
 * @module
 */
import type { DesiredState } from "../../config/mod.ts";
import { sortKeysDeep } from "../sort_keys.ts";
import { monitored } from "./monitoring.ts";
import { podNetworkTolerations, spreadByHostname } from "./scheduling.ts";

/** Helm release name of metrics-server. */
export const METRICS_SERVER_RELEASE = "metrics-server";

/** Values for the `metrics-server` release. Pure; keys sorted. */
export function renderMetricsServerValues(desired: DesiredState): Record<string, unknown> {
  const replicas = desired.addons.metricsServer.replicas;
  return sortKeysDeep({
    replicas,
    // Replaces the chart's defaultArgs (a list replaces, it does not merge): the same flags with only
    // InternalIP as address type.
    defaultArgs: [
      "--cert-dir=/tmp",
      "--kubelet-preferred-address-types=InternalIP",
      "--kubelet-use-node-status-port",
      "--metric-resolution=15s",
    ],
    args: ["--kubelet-insecure-tls"],
    // Its own /metrics endpoint (open to the scraper) and a ServiceMonitor, with monitoring (monitoring.ts).
    // Absent otherwise, so clusters without monitoring keep the values (and the release) they had.
    ...(monitored(desired) ? { metrics: { enabled: true }, serviceMonitor: { enabled: true } } : {}),
    podDisruptionBudget: { enabled: replicas > 1, maxUnavailable: 1 },
    // Anywhere, control planes included: an ha cluster may have no worker yet, and workers stay
    // uninitialised until the CCM has run.
    tolerations: podNetworkTolerations(),
    topologySpreadConstraints: spreadByHostname({
      "app.kubernetes.io/name": "metrics-server",
      "app.kubernetes.io/instance": METRICS_SERVER_RELEASE,
    }),
  });
}
