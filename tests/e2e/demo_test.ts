/**
 * `deno task demo` end to end, as a user runs it: the task in a subprocess with a token of its own
 * and a debug trace file. Every step succeeds; `apply --wait` shows the real operator's phases (it
 * creates the other two control planes and the workers, then installs Cilium and the addons with the
 * real Helm) until the cluster is Running; the real `helm list -A` shows every release deployed; a
 * second apply runs no Helm; `doctor` shows the operator's conditions; the destroy left nothing of the cluster; it stays inside
 * its time against the 120 s budget (reported, not enforced here: the benchmark holds times), and neither its output nor the trace
 * shows the token.
 * The trace and summary paths are relative, as the README writes them: they land in the caller's
 * directory, not in the demo's temporary one; `--keep` keeps that one and says where.
 *
 * @module
 */
import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { DEMO_BUDGET_MS, type DemoSummary, resolveCallerPath } from "../../scripts/demo.ts";
import { DENO_JSON } from "./k8zner_process.ts";
import { withFakes } from "../fake_contracts.ts";

const TOKEN = "demo-test-token-7f3a9c2e51b84d06";
/** What `helm list -A` shows after apply: every release of a cluster with a domain and monitoring. */
const RELEASES = [
  ["cilium", "kube-system"],
  ["hcloud-cloud-controller-manager", "kube-system"],
  ["hcloud-csi", "kube-system"],
  ["metrics-server", "kube-system"],
  ["cert-manager", "cert-manager"],
  ["traefik", "traefik"],
  ["external-dns", "external-dns"],
  ["argo-cd", "argocd"],
  ["kube-prometheus-stack", "monitoring"],
] as const;

Deno.test(withFakes(
  "deno task demo runs init, apply, doctor and destroy, summarises them within its budget, and never shows a token or key",
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "k8zner-demo-test-" });
    try {
      const summaryPath = `${dir}/summary.json`;
      const tracePath = `${dir}/trace.jsonl`;
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["task", "--config", DENO_JSON, "demo", "--summary-json", "summary.json", "--keep"],
        cwd: dir,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
        clearEnv: true,
        env: {
          PATH: Deno.env.get("PATH") ?? "",
          HOME: Deno.env.get("HOME") ?? "/tmp",
          ...(Deno.env.get("DENO_DIR") ? { DENO_DIR: Deno.env.get("DENO_DIR")! } : {}),
          NO_COLOR: "1",
          HCLOUD_TOKEN: TOKEN,
          HCLOUD_DEBUG_FILE: "trace.jsonl",
        },
      }).output();
      const stdout = new TextDecoder().decode(out.stdout);
      const stderr = new TextDecoder().decode(out.stderr);
      const kept = stdout.match(/^kept the working directory: (\S+)$/m)?.[1];
      if (kept) await Deno.remove(kept, { recursive: true });
      assertEquals(out.code, 0, `demo failed:\n${stdout.slice(-4000)}\n${stderr.slice(-2000)}`);
      assertOk(kept?.includes("k8zner-demo-"), "--keep does not say where it kept the working directory");

      const summary: DemoSummary = JSON.parse(await Deno.readTextFile(summaryPath));
      assertOk(summary.ok, "summary.ok");
      assertEquals(summary.steps.map((s) => `${s.name}:${s.status}:${s.code}`), [
        "init:ok:0",
        "apply:ok:0",
        "helm:ok:0",
        "apply-again:ok:0",
        "doctor:ok:0",
        "destroy:ok:0",
      ]);
      // The operator installed the nine releases once, and the converged second apply started no Helm.
      assertEquals(summary.helmProcesses, RELEASES.length, JSON.stringify(summary.steps));
      assertEquals(summary.steps.find((s) => s.name === "apply-again")?.helmProcesses, 0);
      for (
        const header of [
          "k8zner init --yes --name demo --region fsn1 --mode ha",
          "k8zner apply --yes --wait",
          "helm list -A",
          "k8zner doctor",
          "k8zner destroy --yes",
          "━━ summary",
        ]
      ) {
        assertOk(stdout.includes(header), `output lacks "${header}"`);
      }
      // The operator's phases as apply --wait saw them, in order, through the Helm addons to Running. It polls
      // every 2 s and prints each change it sees: Compute and CNI last about 2 s at the demo's speed, so whether
      // a poll lands in them is chance (a run missed Compute); the Addons phase lasts 15 s and more.
      const PHASES = ["Compute", "CNI", "Addons", "Running"];
      const seen = [...stdout.matchAll(/Cluster ready: (?:Provisioning \((\w+)\)|(Running))/g)].map((m) =>
        m[1] ?? m[2]!
      );
      assertOk(seen.every((p) => PHASES.includes(p)), `unknown phases: ${seen.join(", ")}`);
      const order = seen.map((p) => PHASES.indexOf(p));
      assertOk(order.every((rank, i) => i === 0 || rank >= order[i - 1]!), `phases out of order: ${seen.join(", ")}`);
      assertOk(seen.includes("Addons") && seen.at(-1) === "Running", `phases seen: ${seen.join(", ")}`);
      for (const line of ["Running and Ready", "CNIReady: True", "AddonsReady: True"]) {
        assertOk(stdout.includes(line), `output lacks "${line}"`);
      }
      // helm list -A from the real Helm with the kubeconfig apply wrote: every release deployed.
      for (const [release, namespace] of RELEASES) {
        assertMatch(stdout, new RegExp(`^ +${release}\\s+${namespace}\\s+1\\s+.*\\sdeployed\\s`, "m"));
      }
      // external-dns published the Argo CD and Grafana hosts (an A record and its owner TXT records each);
      // destroy removed exactly those. The backup bucket is kept.
      assertOk(summary.dnsRecords.afterApply >= 2, `DNS records after apply: ${summary.dnsRecords.afterApply}`);
      assertEquals(summary.dnsRecords.afterDestroy, 0);
      assertEquals(summary.buckets, ["demo-etcd-backups"]);
      // ha: the build server and the first control plane from the CLI, two control planes and two workers from
      // the operator.
      assertEquals(summary.created.servers, 6, `servers created: ${JSON.stringify(summary.created)}`);
      assertEquals(summary.operatorRequestsByMethod.POST! >= 4, true, JSON.stringify(summary.operatorRequestsByMethod));
      assertEquals(summary.created.networks, 1);
      // The API load balancer (CLI) and Traefik's (the cloud controller, for its LoadBalancer Service).
      assertEquals(summary.created.load_balancers, 2);
      assertEquals(summary.created.firewalls, 1);
      assertOk((summary.requestsByMethod.DELETE ?? 0) > 0, "destroy sent DELETEs");
      assertEquals(Object.values(summary.requestsByMethod).reduce((a, b) => a + b, 0), summary.totalRequests);
      assertEquals(summary.steps.reduce((n, s) => n + s.requests, 0), summary.totalRequests);
      assertEquals(summary.leftover, [], "destroy left cluster resources behind");
      // No wall-clock bound here (issue 10: timing checks belong to the benchmark, not the suite). The promise
      // (DEMO_BUDGET_MS, 120 s) is for the demo on its own, 93.6-97.0 s measured alone on this 2-core machine;
      // beside three other test files it took 238.8 s in a clean CI run, which says nothing about the product.
      // The summary must still report the time it took, step by step, against the budget.
      assertOk(summary.totalMs >= summary.steps.reduce((n, s) => n + s.ms, 0), JSON.stringify(summary.steps));
      assertMatch(stdout, new RegExp(`total: +[\\d.]+ s \\(budget ${DEMO_BUDGET_MS / 1000}\\.0 s\\)`));

      assertOk(!stdout.includes(TOKEN) && !stderr.includes(TOKEN), "the token appears in the demo's output");
      const trace = await Deno.readTextFile(tracePath);
      assertOk(!trace.includes(TOKEN), "the token appears in the HCLOUD_DEBUG_FILE trace");
      assertEquals((await Deno.stat(tracePath)).mode! & 0o777, 0o600);
      // The trace holds every exchange the simulator saw, so it shows exactly what a real run would send.
      const entries = trace.trim().split("\n").map((line) => JSON.parse(line) as { method: string });
      const traced: Record<string, number> = {};
      for (const e of entries) traced[e.method] = (traced[e.method] ?? 0) + 1;
      assertEquals(traced, summary.requestsByMethod);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
));

Deno.test(
  withFakes("resolveCallerPath() keeps absolute paths and joins relative ones to the caller's directory", () => {
    assertEquals(resolveCallerPath("/var/tmp/trace.jsonl", "/home/u/work"), "/var/tmp/trace.jsonl");
    assertEquals(resolveCallerPath("trace.jsonl", "/home/u/work"), "/home/u/work/trace.jsonl");
    assertEquals(resolveCallerPath("../t/trace.jsonl", "/home/u/work"), "/home/u/t/trace.jsonl");
  }),
);
