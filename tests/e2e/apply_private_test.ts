/**
 * `api_load_balancer: private` through the real CLI (ADR 0003): the API load balancer has no public
 * interface (nothing answers at its public address), the cluster endpoint is its private IP, and apply
 * reaches the Kubernetes API only at the control plane's public IPv4, through the firewall. plan and
 * apply do not print the public-API warning; a re-run changes nothing.
 *
 * @module
 */
import { parse } from "yaml";
import { assertEquals, assertIncludes, assertOk } from "../assert.ts";
import { startLocalCloud } from "../local_cloud/mod.ts";
import { isRefused, waitFor } from "../local_cloud/test_helpers.ts";
import {
  handoverObjects,
  k8zner,
  makeWorkdir,
  mutating,
  renderConfig,
  talosServicesOnLoadBalancers,
} from "./apply_harness.ts";
import { withFakes } from "../fake_contracts.ts";

const WARNING = "open to the whole internet";

Deno.test(withFakes(
  "apply with a private API load balancer reaches the API only at the control plane's public IPv4",
  async () => {
    const cloud = await startLocalCloud({ speed: 200 });
    const dir = await makeWorkdir(`${renderConfig("priv1", "dev", 1)}api_load_balancer: private\n`);
    try {
      const plan = await k8zner(cloud, dir, ["plan"]);
      assertEquals(plan.code, 0, plan.stderr);
      assertIncludes(plan.stdout, "no public interface, private IP 10.0.0.254");
      assertOk(!plan.stderr.includes(WARNING), plan.stderr);

      const r = await k8zner(cloud, dir, ["apply"]);
      assertEquals(r.code, 0, `${r.stdout}\n${r.stderr}`);
      assertOk(!r.stderr.includes(WARNING), r.stderr);
      const lb = [...cloud.sim.state.loadBalancers.values()].find((l) => l.name === "priv1-kube")!;
      const cp = [...cloud.sim.state.servers.values()].find((s) => s.name === "priv1-cp-1")!;
      const cpIp = cloud.sim.state.primaryIps.get(cp.ipv4!)!.ip;
      assertEquals([lb.publicEnabled, lb.privateNet[0]?.ip], [false, "10.0.0.254"]);
      assertEquals(await isRefused(lb.ipv4!, 6443), true, "nothing answers at the load balancer's public address");
      assertEquals(talosServicesOnLoadBalancers(cloud), []);

      const kubeconfig = parse(await Deno.readTextFile(`${dir}/secrets/priv1/kubeconfig`));
      assertEquals(kubeconfig.clusters[0].cluster.server, `https://${cpIp}:6443`);
      assertIncludes(r.stdout, `https://${cpIp}:6443`);
      const api = cloud.kubeApiServers.get(cp.id)!;
      assertOk(api.requests.some((q) => q.method !== "GET"), "the hand-over wrote to the control plane's API server");
      const objects = handoverObjects(cloud, "priv1");
      assertOk(objects.deployment, "operator Deployment installed");
      // The operator (a real process in the local cloud) reports the endpoint it found: the private IP.
      const status = await waitFor("the operator's infrastructure status", () => {
        const s = handoverObjects(cloud, "priv1").cluster!.status as
          | { controlPlaneEndpoint?: string; infrastructure?: Record<string, unknown> }
          | undefined;
        return s?.infrastructure ? s : undefined;
      }, 60_000);
      assertEquals(status.controlPlaneEndpoint, "10.0.0.254");
      assertEquals(status.infrastructure!.loadBalancerIP, undefined);
      assertEquals(status.infrastructure!.loadBalancerPrivateIP, "10.0.0.254");

      const again = await k8zner(cloud, dir, ["apply"]);
      assertEquals(again.code, 0, `${again.stdout}\n${again.stderr}`);
      assertIncludes(again.stdout, "is up to date");
      assertEquals(mutating(again.requests).map((q) => `${q.method} ${q.path}`), []);
    } finally {
      await cloud.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
));
