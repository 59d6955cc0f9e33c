import { assertEquals, assertIncludes, assertMatch, assertRejects } from "../../../tests/assert.ts";
import { countingFetch, countingHelm, OperatorMetrics } from "./metrics.ts";

const PHASES = ["Provisioning", "Running", "Degraded", "Healing", "Failed"];

Deno.test("OperatorMetrics renders the named metrics as Prometheus text with their values", async () => {
  const m = new OperatorMetrics(PHASES);
  m.observeReconcile("prod", "success", 0.3);
  m.observeReconcile("prod", "error", 2);
  m.setNodes("prod", "control-plane", { desired: 3, ready: 2 });
  m.setNodes("prod", "worker", { desired: 5, ready: 5 });
  m.setEtcd("prod", { members: 2, learners: 1 });
  m.countReplacement("prod", "control-plane");
  m.countHcloudRequest("post", 201, 3599);
  m.setPhase("prod", "Healing");
  m.setLeader(true);
  const { body, contentType } = await m.render();
  assertMatch(contentType, /^text\/plain; version=0\.0\.4/);
  for (
    const line of [
      'k8zner_reconcile_total{cluster="prod",result="success"} 1',
      'k8zner_reconcile_total{cluster="prod",result="error"} 1',
      'k8zner_reconcile_duration_seconds_count{cluster="prod"} 2',
      'k8zner_reconcile_duration_seconds_bucket{le="0.5",cluster="prod"} 1',
      'k8zner_nodes_desired{cluster="prod",role="control-plane"} 3',
      'k8zner_nodes_ready{cluster="prod",role="control-plane"} 2',
      'k8zner_nodes_ready{cluster="prod",role="worker"} 5',
      'k8zner_etcd_members{cluster="prod"} 2',
      'k8zner_etcd_learners{cluster="prod"} 1',
      'k8zner_node_replacements_total{cluster="prod",role="control-plane"} 1',
      'k8zner_hcloud_requests_total{method="POST",code="201"} 1',
      "k8zner_hcloud_rate_limit_remaining 3599",
      'k8zner_cluster_phase{cluster="prod",phase="Healing"} 1',
      'k8zner_cluster_phase{cluster="prod",phase="Running"} 0',
      "k8zner_leader 1",
    ]
  ) assertIncludes(body, line + "\n");
  assertEquals(/process_|nodejs_/.test(body), false, "no default collectors");
  m.forgetCluster("prod");
  const after = (await m.render()).body;
  assertEquals(after.includes('cluster="prod"'), false, after);
});

Deno.test("countingFetch() counts Hetzner responses and failures and keeps RateLimit-Remaining", async () => {
  const m = new OperatorMetrics(PHASES);
  const responses = [
    new Response("{}", { status: 200, headers: { "RateLimit-Remaining": "42" } }),
    new Response("{}", { status: 429, headers: { "RateLimit-Remaining": "0" } }),
  ];
  const fake = ((_input: unknown, _init?: RequestInit) => {
    const next = responses.shift();
    return next ? Promise.resolve(next) : Promise.reject(new TypeError("connection reset"));
  }) as typeof fetch;
  const counted = countingFetch(fake, m);
  await counted("https://api.hetzner.cloud/v1/servers");
  await counted("https://api.hetzner.cloud/v1/servers", { method: "POST" });
  await assertRejects(() => counted("https://api.hetzner.cloud/v1/servers", { method: "DELETE" }), TypeError);
  const { body } = await m.render();
  assertIncludes(body, 'k8zner_hcloud_requests_total{method="GET",code="200"} 1\n');
  assertIncludes(body, 'k8zner_hcloud_requests_total{method="POST",code="429"} 1\n');
  assertIncludes(body, 'k8zner_hcloud_requests_total{method="DELETE",code="0"} 1\n');
  assertIncludes(body, "k8zner_hcloud_rate_limit_remaining 0\n");
});

Deno.test("countingHelm() counts Helm processes by verb and result", async () => {
  const metrics = new OperatorMetrics(["Running"]);
  const results = [{ code: 0 }, { code: 1 }, { code: 137, timedOut: true }];
  const helm = countingHelm({
    run: () => Promise.resolve({ stdout: "", stderr: "", ...results.shift()! }),
  }, metrics);
  for (const verb of ["upgrade", "upgrade", "rollback"]) await helm.run([verb, "x"], { timeoutMs: 1 });
  const text = (await metrics.render()).body;
  assertIncludes(text, 'k8zner_helm_processes_total{verb="upgrade",result="success"} 1');
  assertIncludes(text, 'k8zner_helm_processes_total{verb="upgrade",result="failure"} 1');
  assertIncludes(text, 'k8zner_helm_processes_total{verb="rollback",result="timeout"} 1');
});
