/**
 * Values of the Traefik chart: the cluster's ingress controller and default IngressClass, behind one
 * Hetzner load balancer the cloud controller manager creates for its Service (type LoadBalancer). The
 * annotations are the ones hcloud-cloud-controller-manager v1.33 reads (`internal/annotation`):
 *
 * - `name`, `location`, `type`: the load balancer `<cluster>-ingress`, an lb11 in our region;
 * - `use-private-ip`: targets are reached over our private network (the firewall closes node ports to the
 *   internet), and `private-subnet-ip-range` attaches it to our load balancer subnet (the CCM's
 *   `HCLOUD_LOAD_BALANCERS_PRIVATE_SUBNET_IP_RANGE` says the same; the Service says it for itself);
 * - `disable-private-ingress`: the Service's status lists only the public addresses. Otherwise the CCM adds
 *   the private one, and Traefik publishes the status to every Ingress, so external-dns would put a 10.x
 *   address into public DNS, and Cilium would treat that address as a local load-balancer VIP.
 *
 * The CCM puts only its own `hcloud-ccm/service-uid` label on the load balancer; the Service's
 * `k8zner.io/cluster` label lets anything in the cluster find the Service, while destroy finds the load
 * balancer by its targets and network (src/cluster/infra/discover.ts).
 *
 * @module
 */
import type { DesiredState } from "../../config/mod.ts";
import { LABEL_KEYS } from "../../lib/labels.ts";
import { sortKeysDeep } from "../sort_keys.ts";
import { monitored } from "./monitoring.ts";
import { spreadByHostname } from "./scheduling.ts";

/** Helm release name (and namespace) of Traefik. */
export const TRAEFIK_RELEASE = "traefik";

const LB = "load-balancer.hetzner.cloud";

/** The annotations of the Traefik Service that the Hetzner CCM turns into the ingress load balancer. */
export function ingressLoadBalancerAnnotations(desired: DesiredState): Record<string, string> {
  const lb = desired.addons.traefik.loadBalancer;
  return {
    [`${LB}/name`]: lb.name,
    [`${LB}/location`]: lb.location,
    [`${LB}/type`]: lb.type,
    [`${LB}/use-private-ip`]: String(lb.usePrivateIp),
    [`${LB}/private-subnet-ip-range`]: desired.addons.hcloudCcm.loadBalancerSubnet,
    [`${LB}/disable-private-ingress`]: "true",
  };
}

/** Values for the `traefik` release. Pure; keys sorted. */
export function renderTraefikValues(desired: DesiredState): Record<string, unknown> {
  const traefik = desired.addons.traefik;
  return sortKeysDeep({
    deployment: { kind: "Deployment", replicas: traefik.replicas },
    // Two or three replicas: one may always go (a node drain), never both.
    podDisruptionBudget: { enabled: true, maxUnavailable: 1 },
    // Workers only (no tolerations): the release waits for the CCM, so Nodes are initialised, and the
    // control planes of an ha cluster stay for the control plane. Spread, not required: one worker suffices.
    topologySpreadConstraints: spreadByHostname({
      "app.kubernetes.io/name": "traefik",
      // The chart's instance label is `<release>-<namespace>`.
      "app.kubernetes.io/instance": `${TRAEFIK_RELEASE}-${traefik.namespace}`,
    }),
    ingressClass: { enabled: true, isDefaultClass: true, name: traefik.ingressClass },
    // Request metrics (the chart's default `metrics` entrypoint) scraped through a ServiceMonitor, with
    // monitoring (monitoring.ts).
    metrics: { prometheus: { serviceMonitor: { enabled: monitored(desired) } } },
    providers: {
      // Ingress objects, with their status set to the load balancer's addresses (external-dns reads them).
      kubernetesIngress: { enabled: true, publishedService: { enabled: true } },
      // Traefik's own kinds (Middleware, IngressRoute) stay on: an Ingress can only use a middleware
      // (redirects, auth) through them. Helm installs their CRDs from the chart's crds/ on first install.
      kubernetesCRD: { enabled: true },
    },
    service: {
      type: "LoadBalancer",
      annotations: ingressLoadBalancerAnnotations(desired),
      labels: { [LABEL_KEYS.cluster]: desired.cluster.name },
    },
    // web 8000 -> 80 and websecure 8443 -> 443 (TLS) are the chart's defaults; its `traefik` port
    // (dashboard, API) is not exposed. Named here so a chart change cannot move them unnoticed.
    ports: {
      web: { port: 8000, exposedPort: 80 },
      websecure: { port: 8443, exposedPort: 443, http: { tls: { enabled: true } } },
    },
  });
}
