/**
 * `init`'s size menus against the Hetzner simulator: live prices with a token (one `GET /pricing`),
 * no request without one, and sizes without prices plus one warning when the lookup fails.
 */
import { assertEquals, assertIncludes, assertOk } from "../../tests/assert.ts";
import { scriptedPrompter, type Step } from "../../tests/cli/scripted_prompter.ts";
import { startHcloudSimulator } from "../../tests/hcloud_sim/mod.ts";
import type { CliContext } from "./context.ts";
import { runInit } from "./init_run.ts";

const script: Step[] = [
  { text: /Cluster name/, answers: ["demo"] },
  { select: /Region/, answer: "nbg1" },
  { select: /Mode/, answer: "ha" },
  { select: /Number of workers/, answer: 2 },
  { select: /Worker size/, answer: "cx33" },
  { select: /Control-plane size/, answer: "cx23" },
  { text: /Domain/, answers: [""] },
  { confirm: /monitoring/, answer: false },
  { confirm: /Back up/, answer: false },
  { text: /CIDRs/, answers: [""] },
  { confirm: /Write/, answer: true },
];

function label(labels: string[], size: string): string | undefined {
  return labels.find((l) => l.startsWith(size + " "));
}

async function runWizardWith(env: Record<string, string>, timeoutMs?: number) {
  const dir = await Deno.makeTempDir();
  const ctx: CliContext = {
    io: { out: () => {}, err: () => {}, stdoutIsTty: true, stdinIsTty: true },
    env: (n) => env[n],
    cwd: dir,
    color: false,
  };
  const p = scriptedPrompter(script);
  try {
    await runInit({}, ctx, {
      createPrompter: () => Promise.resolve(p),
      prices: timeoutMs === undefined ? {} : { timeoutMs },
    });
    p.assertDone();
    assertIncludes(await Deno.readTextFile(`${dir}/k8zner.yaml`), "size: cx33");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const [workerQuestion, cpQuestion] = p.transcript.questions.filter((q) => /size/.test(q));
  return {
    transcript: p.transcript,
    workerQuestion: workerQuestion!,
    cpQuestion: cpQuestion!,
    workerLabels: p.transcript.labels.get(workerQuestion!)!,
    cpLabels: p.transcript.labels.get(cpQuestion!)!,
  };
}

Deno.test("init with HCLOUD_TOKEN lists each size's gross monthly price in the chosen region, from one request", async () => {
  await using sim = await startHcloudSimulator({ speed: 1000 });
  const r = await runWizardWith({ HCLOUD_TOKEN: "sim-token", HCLOUD_ENDPOINT: sim.url });
  assertEquals(sim.requests.map((q) => `${q.method} ${q.path}`), ["GET /pricing"]);
  assertEquals(r.workerQuestion, "Worker size (monthly price per server incl. VAT in nbg1, live from Hetzner)");
  // The simulator lists cx23 at 3.49 and cx33 at 5.49 net with 19 % VAT: 4.15 and 6.53 gross.
  assertEquals(label(r.workerLabels, "cx23"), "cx23   2 vCPU, 4 GB RAM, 40 GB disk     EUR  4.15");
  assertEquals(label(r.workerLabels, "cx33"), "cx33   4 vCPU, 8 GB RAM, 80 GB disk     EUR  6.53");
  assertEquals(
    r.cpQuestion,
    "Control-plane size (each of 3; monthly price per server incl. VAT in nbg1, live from Hetzner)",
  );
  assertEquals(r.cpLabels, r.workerLabels);
  assertEquals(label(r.workerLabels, "cx53"), "cx53   16 vCPU, 32 GB RAM, 320 GB disk  EUR 20.81");
  for (const l of r.workerLabels) {
    assertOk(/ EUR [ \d]\d\.\d\d$/.test(l), l);
    // clack indents options by about 14 columns and adds " (recommended)": keep to 80 columns.
    assertOk(l.length + 14 + " (recommended)".length <= 80, `too wide for 80 columns: ${l}`);
  }
  assertEquals(r.transcript.warnings, []);
});

Deno.test("init without HCLOUD_TOKEN makes no request and lists sizes without prices", async () => {
  await using sim = await startHcloudSimulator({ speed: 1000 });
  const r = await runWizardWith({ HCLOUD_ENDPOINT: sim.url, HCLOUD_TOKEN: "  " });
  assertEquals(sim.requests.length, 0);
  assertEquals(r.workerQuestion, "Worker size");
  assertEquals(label(r.workerLabels, "cx23"), "cx23   2 vCPU, 4 GB RAM, 40 GB disk");
  assertEquals(r.transcript.warnings, []);
});

Deno.test("init shows sizes without prices and one warning when the price request fails", async () => {
  await using sim = await startHcloudSimulator({ speed: 1000 });
  sim.faults.failNext({ method: "GET", path: "/pricing" }, "500");
  const r = await runWizardWith({ HCLOUD_TOKEN: "sim-token", HCLOUD_ENDPOINT: sim.url });
  assertEquals(r.workerQuestion, "Worker size");
  assertEquals(label(r.workerLabels, "cx23"), "cx23   2 vCPU, 4 GB RAM, 40 GB disk");
  assertEquals(r.transcript.warnings.length, 1);
  // The simulator's 500 body, as the client words it; a 500 is not retried (hcloud-go's policy).
  assertEquals(
    r.transcript.warnings[0],
    "No live prices: Hetzner API: error within the API backend (server_error, HTTP 500 on GET /pricing)",
  );
  assertOk(!r.transcript.warnings[0]!.includes("sim-token"), "the token never appears");
});

Deno.test("init stops waiting for prices after the timeout and says so", async () => {
  await using sim = await startHcloudSimulator({ speed: 1000 });
  sim.faults.failNext({ method: "GET", path: "/pricing" }, { kind: "timeout", delayMs: 3_000 });
  const start = performance.now();
  const r = await runWizardWith({ HCLOUD_TOKEN: "sim-token", HCLOUD_ENDPOINT: sim.url }, 200);
  assertOk(performance.now() - start < 2_500, "the menu did not wait for the stalled request");
  assertEquals(r.transcript.warnings, [
    "No live prices: the Hetzner API did not answer within 0.2 s",
  ]);
  assertEquals(label(r.workerLabels, "cx23"), "cx23   2 vCPU, 4 GB RAM, 40 GB disk");
});

Deno.test("init gives up on an unreachable API after one retry, not after the full timeout", async () => {
  // A loopback port nothing listens on: bound once, then released.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const start = performance.now();
  const r = await runWizardWith({ HCLOUD_TOKEN: "t0ken-secret", HCLOUD_ENDPOINT: `http://127.0.0.1:${port}/v1` });
  const ms = performance.now() - start;
  assertOk(ms < 5_000, `took ${Math.round(ms)} ms`);
  assertOk(
    r.transcript.warnings[0]?.startsWith(
      `No live prices: Hetzner API: Cannot reach the Hetzner API at http://127.0.0.1:${port}/v1/pricing: connection refused`,
    ),
    r.transcript.warnings[0],
  );
  assertOk(!r.transcript.warnings[0]!.includes("t0ken-secret"));
  assertEquals(label(r.workerLabels, "cx23"), "cx23   2 vCPU, 4 GB RAM, 40 GB disk");
});
