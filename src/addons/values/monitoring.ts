/**
 * With `monitoring: true` the charts installed in the Addons phase also create their ServiceMonitors, which
 * kube-prometheus-stack's Prometheus selects (every namespace, every label). The Prometheus operator CRDs
 * are applied before any chart of that phase, so the kind exists when they install (Traefik's chart even
 * refuses to render one otherwise). Cilium is left out: it installs in the CNI phase, before the CRDs.
 *
 * @module
 */
import type { DesiredState } from "../../config/mod.ts";

/** Whether the cluster runs kube-prometheus-stack (the ServiceMonitor kind exists). */
export function monitored(desired: DesiredState): boolean {
  return desired.addons.kubePrometheusStack.enabled;
}
