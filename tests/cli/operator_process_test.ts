/**
 * `k8zner operator` and `k8zner operator manifests` as real processes from main.ts: the manifests
 * applied by the real kubectl into the fake API (which validates every built-in object against the
 * Kubernetes OpenAPI document), and the operator's exit codes: 2 for a bad flag, 0 after SIGTERM with
 * the Lease released, 1 when another replica takes the Lease.
 */
import { assertEquals, assertIncludes, assertOk } from "../assert.ts";
import { startK8zner } from "../e2e/k8zner_process.ts";
import { kubectlRequirement } from "../kube_fake/kubectl_binary.ts";
import { startFakeKubeApi } from "../kube_fake/mod.ts";
import { requires } from "../requirements.ts";
import { renderMicroTime } from "../../src/operator/runtime/leader_election.ts";

const KUBECTL = await kubectlRequirement();

Deno.test(requires([KUBECTL], {
  name: "operator manifests prints the installation without Secrets, and kubectl applies it to the API",
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const api = await startFakeKubeApi();
    try {
      const printed = await startK8zner(
        ["operator", "manifests", "--cluster", "demo", "--image", "ghcr.io/k8zner/k8zner-operator:1.2.3"],
        { cwd: dir },
      ).done;
      assertEquals(printed.code, 0, printed.stderr);
      assertOk(printed.stdout.startsWith("# k8zner operator installation"));
      assertIncludes(printed.stdout, "create secret generic k8zner-cloud-credentials");
      assertIncludes(printed.stdout, "--from-file=talos-secrets=");
      assertOk(!/^kind: Secret$/m.test(printed.stdout), "no Secret object is printed");
      await Deno.writeTextFile(`${dir}/operator.yaml`, printed.stdout);
      await Deno.writeTextFile(`${dir}/kubeconfig`, api.kubeconfigYaml());
      const env = { KUBECONFIG: `${dir}/kubeconfig`, HOME: dir };
      const kubectl = async (...args: string[]) => {
        const out = await new Deno.Command(KUBECTL.path!, { args: [...args, `--cache-dir=${dir}/cache`], env })
          .output();
        const decode = (b: Uint8Array) => new TextDecoder().decode(b);
        return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
      };
      const applied = await kubectl("apply", "--server-side", "--validate=false", "-f", `${dir}/operator.yaml`);
      assertEquals(applied.code, 0, applied.stderr);
      for (
        const line of [
          "customresourcedefinition.apiextensions.k8s.io/k8znerclusters.k8zner.io serverside-applied",
          "namespace/k8zner-system serverside-applied",
          "serviceaccount/k8zner-operator serverside-applied",
          "clusterrole.rbac.authorization.k8s.io/k8zner-operator serverside-applied",
          "rolebinding.rbac.authorization.k8s.io/k8zner-operator serverside-applied",
          "service/k8zner-operator-metrics serverside-applied",
          "deployment.apps/k8zner-operator serverside-applied",
        ]
      ) assertIncludes(applied.stdout, line);
      const image = await kubectl(
        "get",
        "deployment",
        "k8zner-operator",
        "-n",
        "k8zner-system",
        "-o",
        "jsonpath={.spec.template.spec.containers[0].image}",
      );
      assertEquals(image.stdout, "ghcr.io/k8zner/k8zner-operator:1.2.3");
      const bad = await startK8zner(["operator", "manifests", "--cluster", "Bad_Name"], { cwd: dir }).done;
      assertEquals(bad.code, 2);
      assertIncludes(bad.stderr, '--cluster "Bad_Name"');
    } finally {
      await api.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
}));

async function operatorRun(dir: string, apiKubeconfig: string, extraEnv: Record<string, string> = {}) {
  await Deno.writeTextFile(`${dir}/kubeconfig`, apiKubeconfig);
  const lines: string[] = [];
  const process = startK8zner([
    "operator",
    "--kubeconfig",
    `${dir}/kubeconfig`,
    "--health-probe-bind-address=127.0.0.1:0",
    "--metrics-bind-address=127.0.0.1:0",
    "--leader-election-lease-duration=2s",
    "--leader-election-renew-deadline=1s",
    "--leader-election-retry-period=200ms",
  ], { cwd: dir, env: { POD_NAME: "op-1", ...extraEnv }, onLine: (line) => lines.push(line) });
  const deadline = Date.now() + 20_000;
  while (!lines.some((l) => l.includes('"became leader"'))) {
    if (Date.now() > deadline) throw new Error(`the operator did not lead: ${lines.join("\n")}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { process, lines };
}

Deno.test("operator exits 2 on a bad flag, 0 after SIGTERM (Lease released), 1 when another replica takes the Lease", async () => {
  const dir = await Deno.makeTempDir();
  const api = await startFakeKubeApi();
  try {
    const bad = await startK8zner(["operator", "--kubeconfig", "/nonexistent/kubeconfig"], { cwd: dir }).done;
    assertEquals(bad.code, 2);
    assertIncludes(bad.stderr, "--kubeconfig /nonexistent/kubeconfig: no such file");

    api.store.put({ apiVersion: "v1", kind: "Namespace", metadata: { name: "k8zner-system" } });
    const first = await operatorRun(dir, api.kubeconfigYaml());
    const lease = () => api.store.getObject("coordination.k8s.io/v1", "Lease", "k8zner-operator", "k8zner-system");
    assertEquals((lease()?.spec as { holderIdentity?: string }).holderIdentity, "op-1");
    first.process.kill("SIGTERM");
    const stopped = await first.process.done;
    assertEquals(stopped.code, 0, stopped.stderr);
    assertEquals((lease()?.spec as { holderIdentity?: string }).holderIdentity, "");
    for (const line of stopped.stdout.trim().split("\n")) assertOk(typeof JSON.parse(line).msg === "string", line);
    assertIncludes(stopped.stdout, '"msg":"stopped"');

    const second = await operatorRun(dir, api.kubeconfigYaml());
    const current = lease()!;
    const now = renderMicroTime(Date.now());
    api.store.put({
      ...current,
      spec: {
        ...(current.spec as object),
        holderIdentity: "op-2",
        renewTime: now,
        acquireTime: now,
        leaseDurationSeconds: 60,
      },
    });
    const lost = await second.process.done;
    assertEquals(lost.code, 1, lost.stderr);
    assertIncludes(lost.stdout, "lost leadership");
  } finally {
    await api.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("operator runs its clock K8ZNER_OPERATOR_CLOCK_SCALE times faster (test-only) and exits 2 on a bad scale", async () => {
  const dir = await Deno.makeTempDir();
  const api = await startFakeKubeApi();
  try {
    await Deno.writeTextFile(`${dir}/kubeconfig`, api.kubeconfigYaml());
    const args = [
      "operator",
      "--kubeconfig",
      `${dir}/kubeconfig`,
      "--health-probe-bind-address=0",
      "--metrics-bind-address=0",
    ];
    const bad = await startK8zner(args, { cwd: dir, env: { K8ZNER_OPERATOR_CLOCK_SCALE: "fast" } }).done;
    assertEquals(bad.code, 2);
    assertIncludes(bad.stderr, 'K8ZNER_OPERATOR_CLOCK_SCALE="fast" is not a number from 1 to 1000');

    api.store.put({ apiVersion: "v1", kind: "Namespace", metadata: { name: "k8zner-system" } });
    const lines: string[] = [];
    // The default lease timing (15 s / 10 s / 2 s), 20 times faster: a renewal every 100 real ms.
    const process = startK8zner(args, {
      cwd: dir,
      env: { POD_NAME: "op-1", K8ZNER_OPERATOR_CLOCK_SCALE: "20" },
      onLine: (line) => lines.push(line),
    });
    const deadline = Date.now() + 20_000;
    while (!lines.some((l) => l.includes('"became leader"'))) {
      if (Date.now() > deadline) throw new Error(`the operator did not lead: ${lines.join("\n")}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    assertIncludes(lines.find((l) => l.includes('"starting"'))!, '"testClockScale":20');
    const from = api.requests.length;
    await new Promise((r) => setTimeout(r, 2_000));
    const renewals = api.requests.slice(from).filter((r) => r.method === "PUT" && r.path.includes("/leases/")).length;
    // On the real clock 2 s hold one renewal; 20 is what the scale asks for (a loaded machine makes fewer).
    assertOk(renewals >= 8, `${renewals} lease renewals in 2 real s`);
    process.kill("SIGTERM");
    const stopped = await process.done;
    assertEquals(stopped.code, 0, stopped.stderr);
  } finally {
    await api.close();
    await Deno.remove(dir, { recursive: true });
  }
});
