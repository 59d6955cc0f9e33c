/**
 * Values equivalent to the issue 13 plan (../shared/reference/k8zner-go-inventory.md §6.3) for the releases
 * the catalog does not render yet, so charts_install_test.ts can install every chart before the real
 * renderers (src/addons/values/, owned by another branch) are merged. Once `addonReleases()` returns a
 * release, the test uses that and this file's entry is dead: delete it then.
 *
 * @module
 */
import type { AddonRelease } from "../../src/addons/catalog.ts";
import { CLOUDFLARE_SECRET_NAME, CLOUDFLARE_TOKEN_KEY } from "../../src/addons/cloud_secrets.ts";
import type { DesiredState } from "../../src/config/mod.ts";

const UNINITIALIZED = { key: "node.cloudprovider.kubernetes.io/uninitialized", value: "true", effect: "NoSchedule" };

/** The plan's release `name` for `desired`; throws for a name the plan does not know. */
export function planEquivalentRelease(desired: DesiredState, name: string): AddonRelease {
  const a = desired.addons;
  const release = (
    addon: { namespace: string; chart: AddonRelease["chart"] },
    values: Record<string, unknown>,
  ): AddonRelease => ({
    name,
    namespace: addon.namespace,
    chart: addon.chart,
    phase: "Addons",
    values,
    timeoutSeconds: 300,
  });
  switch (name) {
    case "cert-manager":
      return release(a.certManager, {
        crds: { enabled: true },
        startupapicheck: { enabled: false },
        config: {
          apiVersion: "controller.config.cert-manager.io/v1alpha1",
          kind: "ControllerConfiguration",
          enableGatewayAPI: false,
        },
        ingressShim: { defaultIssuerKind: "ClusterIssuer" },
        tolerations: [UNINITIALIZED],
      });
    case "traefik": {
      const lb = a.traefik.loadBalancer;
      return release(a.traefik, {
        deployment: { replicas: a.traefik.replicas },
        podDisruptionBudget: { enabled: true, maxUnavailable: 1 },
        ingressClass: { enabled: true, isDefaultClass: true, name: a.traefik.ingressClass },
        providers: {
          kubernetesCRD: { enabled: false },
          kubernetesIngress: { enabled: true, publishedService: { enabled: true } },
        },
        ingressRoute: { dashboard: { enabled: false } },
        service: {
          type: "LoadBalancer",
          spec: { externalTrafficPolicy: "Cluster" },
          annotations: {
            "load-balancer.hetzner.cloud/name": lb.name,
            "load-balancer.hetzner.cloud/location": lb.location,
            "load-balancer.hetzner.cloud/type": lb.type,
            "load-balancer.hetzner.cloud/use-private-ip": String(lb.usePrivateIp),
          },
        },
        tolerations: [UNINITIALIZED],
        topologySpreadConstraints: [{
          maxSkew: 1,
          topologyKey: "kubernetes.io/hostname",
          whenUnsatisfiable: "DoNotSchedule",
          labelSelector: { matchLabels: { "app.kubernetes.io/name": "traefik" } },
        }],
      });
    }
    case "external-dns":
      return release(a.externalDns, {
        provider: { name: "cloudflare" },
        env: [{
          name: "CF_API_TOKEN",
          valueFrom: { secretKeyRef: { name: CLOUDFLARE_SECRET_NAME, key: CLOUDFLARE_TOKEN_KEY } },
        }],
        txtOwnerId: a.externalDns.txtOwnerId,
        domainFilters: a.externalDns.domain ? [a.externalDns.domain] : [],
        policy: a.externalDns.policy,
        sources: a.externalDns.sources,
        registry: "txt",
        interval: "1m",
      });
    case "argo-cd": {
      const ha = a.argocd.ha;
      return release(a.argocd, {
        global: { ...(a.argocd.host ? { domain: a.argocd.host } : {}), tolerations: [UNINITIALIZED] },
        configs: { params: { "server.insecure": true } },
        redisSecretInit: { enabled: true },
        dex: { enabled: false },
        controller: { replicas: 1 },
        server: { replicas: ha ? 2 : 1 },
        repoServer: { replicas: ha ? 2 : 1 },
        "redis-ha": { enabled: ha, auth: false },
      });
    }
    case "kube-prometheus-stack": {
      const k = a.kubePrometheusStack;
      return release(k, {
        crds: { enabled: false },
        prometheus: {
          prometheusSpec: {
            retention: k.retention,
            ruleSelectorNilUsesHelmValues: false,
            serviceMonitorSelectorNilUsesHelmValues: false,
            podMonitorSelectorNilUsesHelmValues: false,
            storageSpec: {
              volumeClaimTemplate: {
                spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: k.prometheusStorage } } },
              },
            },
          },
        },
        grafana: {
          testFramework: { enabled: false },
          persistence: { enabled: false },
          ...(k.grafanaHost ? { "grafana.ini": { server: { root_url: `https://${k.grafanaHost}` } } } : {}),
        },
      });
    }
    default:
      throw new RangeError(`Cannot render plan-equivalent values for release "${name}": not an issue 13 release`);
  }
}
