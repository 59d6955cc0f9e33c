/**
 * The credential files follow the live cluster (issue 10): after `destroy` keeps `./secrets/<cluster>/`,
 * the next `apply` builds a cluster behind a new load balancer address and rewrites the kubeconfig's
 * server instead of waiting 15 minutes on the old one; `plan` in that state prints whole sentences.
 *
 * @module
 */
import { assertEquals, assertIncludes, assertOk } from "../assert.ts";
import { startLocalCloud } from "../local_cloud/mod.ts";
import { readKubeconfigFacts, SECRETS_GITIGNORE } from "../../src/cluster/credentials/credentials.ts";
import { parseTalosconfig } from "../../src/talos/talosconfig.ts";
import { bootstrapCalls, k8zner, makeWorkdir, modeOf, mutating, renderConfig } from "./apply_harness.ts";
import { withFakes } from "../fake_contracts.ts";

function apiLbIp(cloud: Awaited<ReturnType<typeof startLocalCloud>>, cluster: string): string {
  const lb = [...cloud.sim.state.loadBalancers.values()].find((l) => l.name === `${cluster}-kube`);
  assertOk(lb, `load balancer ${cluster}-kube exists`);
  return lb!.ipv4!;
}

Deno.test(withFakes("apply after destroy rewrites the kubeconfig to the new load balancer and converges", async (t) => {
  const cloud = await startLocalCloud({ speed: 200 });
  const dir = await makeWorkdir(renderConfig("again", "dev", 1));
  try {
    let firstLb = "";
    await t.step("apply, then destroy --yes keeps ./secrets/again/", async () => {
      const applied = await k8zner(cloud, dir, ["apply"]);
      assertEquals(applied.code, 0, `${applied.stdout}\n${applied.stderr}`);
      firstLb = apiLbIp(cloud, "again");
      const destroyed = await k8zner(cloud, dir, ["destroy", "--yes"]);
      assertEquals(destroyed.code, 0, `${destroyed.stdout}\n${destroyed.stderr}`);
      const kubeconfig = readKubeconfigFacts(await Deno.readTextFile(`${dir}/secrets/again/kubeconfig`))!;
      assertEquals(kubeconfig.server, `https://${firstLb}:6443`);
    });

    await t.step("plan in that state asks no gone address and prints no cut-off note", async () => {
      const r = await k8zner(cloud, dir, ["plan"]);
      assertEquals(r.code, 0, `${r.stdout}\n${r.stderr}`);
      assertOk(!r.stdout.includes(firstLb), `plan mentions the old address ${firstLb}:\n${r.stdout}`);
      assertOk(!/did not answer|reason: conn/.test(r.stdout), r.stdout);
      assertIncludes(r.stdout, "+ create it with the full spec");
      assertOk(r.ms < 10_000, `plan took ${r.ms} ms (it used to wait 10 s on the gone load balancer)`);
    });

    await t.step("the next apply bootstraps again behind a new address and rewrites the kubeconfig", async () => {
      const r = await k8zner(cloud, dir, ["apply"]);
      assertEquals(r.code, 0, `${r.stdout}\n${r.stderr}`);
      const lb = apiLbIp(cloud, "again");
      assertOk(lb !== firstLb, "the simulator hands out a fresh address");
      const kubeconfig = readKubeconfigFacts(await Deno.readTextFile(`${dir}/secrets/again/kubeconfig`))!;
      assertEquals(kubeconfig.server, `https://${lb}:6443`);
      assertIncludes(r.stdout, `API:         https://${lb}:6443`);
      assertEquals(bootstrapCalls(cloud), 1, "the new control plane is bootstrapped once");
      // No wait on the old address: the live lookup and the Kubernetes API step take seconds, not minutes.
      assertOk(r.ms < 120_000, `apply took ${r.ms} ms`);
      console.log(`apply after destroy: ${r.ms} ms`);
      const talos = parseTalosconfig(await Deno.readTextFile(`${dir}/secrets/again/talosconfig`), "again");
      const cp = [...cloud.sim.state.servers.values()].find((s) => s.name === "again-cp-1")!;
      assertEquals(talos.endpoints, [cloud.sim.state.primaryIps.get(cp.ipv4!)!.ip]);
      assertEquals(talos.nodes, ["10.0.0.2"], "the first control plane's private IP, as `talosctl config node` sets");
      assertEquals(await Deno.readTextFile(`${dir}/secrets/.gitignore`), SECRETS_GITIGNORE);
    });

    await t.step(
      "k8zner kubeconfig repairs edited client configs with GETs only and leaves secrets.yaml alone",
      async () => {
        const secretsYaml = await Deno.readTextFile(`${dir}/secrets/again/secrets.yaml`);
        const kubePath = `${dir}/secrets/again/kubeconfig`;
        const before = await Deno.readTextFile(kubePath);
        const lb = apiLbIp(cloud, "again");
        await Deno.writeTextFile(kubePath, before.replaceAll(`https://${lb}:6443`, "https://192.0.2.1:6443"));
        const r = await k8zner(cloud, dir, ["kubeconfig"]);
        assertEquals(r.code, 0, `${r.stdout}\n${r.stderr}`);
        assertEquals(mutating(r.requests), []);
        assertEquals(r.requests.length, 2, "one GET for the control planes, one for the load balancer");
        assertIncludes(r.stdout, `kubeconfig   ./secrets/again/kubeconfig  rewritten: server https://${lb}:6443`);
        assertIncludes(r.stdout, "talosconfig  ./secrets/again/talosconfig  already right");
        const after = readKubeconfigFacts(await Deno.readTextFile(kubePath))!;
        assertEquals(after.server, `https://${lb}:6443`);
        assertEquals(after.clientCertPem, readKubeconfigFacts(before)!.clientCertPem, "the certificate is kept");
        assertEquals(await Deno.readTextFile(`${dir}/secrets/again/secrets.yaml`), secretsYaml);
        assertEquals(await modeOf(kubePath), 0o600);
      },
    );
  } finally {
    await cloud.close();
    await Deno.remove(dir, { recursive: true });
  }
}));
