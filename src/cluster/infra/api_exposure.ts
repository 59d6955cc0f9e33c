/**
 * What the user must know about who can reach the Kubernetes API (ADR 0003). Hetzner firewalls filter
 * servers' public interfaces only; they cannot be applied to load balancers. The API load balancer's
 * public 6443 is therefore open to the whole internet whatever `api_allowlist` says, and only the
 * API server's authentication (client certificates, tokens) protects it. `plan` and `apply` say so.
 *
 * @module
 */
import { type DesiredState, KUBE_API_PORT } from "../../config/mod.ts";

/** The warning while the API load balancer has a public interface; `undefined` once it has none. */
export function apiExposureWarning(desired: DesiredState): string | undefined {
  const lb = desired.loadBalancer.request;
  if (!lb.public_interface) return undefined;
  return [
    `warning: the Kubernetes API (port ${KUBE_API_PORT}) on load balancer ${lb.name} is open to the whole internet,`,
    "  protected by its credentials only: Hetzner firewalls do not apply to load balancers, so api_allowlist",
    "  limits only the nodes' public IPs (Talos 50000, Kubernetes 6443). A cluster created with",
    "  `api_load_balancer: private` keeps 6443 behind the firewall (k8zner config schema describes it).",
  ].join("\n");
}
