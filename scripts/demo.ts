/**
 * `deno task demo`: the whole story against a local cloud started in this process (Hetzner
 * simulator, fake Talos nodes, fake Kubernetes API, and the cluster's `k8zner-operator` Deployment run
 * as real `k8zner operator` processes), driving the real CLI as subprocesses the way a user would:
 * `init` (non-interactive, an `ha` cluster with a domain, monitoring and etcd backups), `apply --wait` (the
 * CLI ensures the backup bucket on the local Object Storage endpoint, creates the first control plane and
 * hands over; the operator creates the other two and the workers, and --wait shows its phases as it
 * reports them until the cluster is Running with Cilium and the addons installed by the real Helm),
 * `helm list -A` (the real Helm with the kubeconfig apply wrote: every addon a `deployed` release), a
 * second `apply --wait` (nothing changes; the operator runs no Helm), `doctor` (what the operator
 * reports), `destroy --yes` (nothing left, the operator stopped first). Each command's output is streamed
 * under a header line; a summary follows: resources created by kind, Hetzner requests by method, the
 * CLI's and the operator's apart (from the simulator's request log, so it counts what a real run would
 * send), and time per step. Exits 1 when a step fails.
 *
 * Environment: `HCLOUD_TOKEN` is used when set (the simulator accepts any non-empty token; the demo
 * never prints it), `HCLOUD_DEBUG_FILE` is passed through to every command, so a trace of the demo
 * shows exactly what a real run would send. Flags: `--speed N` (simulated time factor),
 * `--summary-json FILE` (the summary as JSON, for tests), `--keep` (keep the working directory and
 * say where it is). Relative paths (`HCLOUD_DEBUG_FILE`, `--summary-json`) are the caller's: the
 * CLI runs in a temporary directory, and `deno task` itself runs in the checkout.
 *
 * @module
 */
import { isAbsolute, join } from "node:path";
import { startLocalCloud } from "../tests/local_cloud/mod.ts";
import { type CloudResource, countByMethod, countCreated, listClusterResources } from "../tests/e2e/cloud_inventory.ts";
import { startK8zner } from "../tests/e2e/k8zner_process.ts";
import { isCcmRequest, isCliRequest, isOperatorRequest } from "../tests/e2e/apply_harness.ts";
import { findHelm } from "../tests/kube_fake/helm_binary.ts";
import { startS3Fake } from "../tests/s3_fake/mod.ts";

/**
 * Simulated time runs this many times faster than real time (the local cloud's default). Most of the
 * demo is real-time work a higher factor cannot shrink: the CLI's snapshot wait, process start-ups, and
 * the operator joining two control planes one after the other and then the workers.
 */
export const DEMO_SPEED = 200;
/** The cluster the demo creates. */
export const DEMO_CLUSTER = "demo";
/** Its domain: a zone in the local cloud's Cloudflare fake (RFC 2606 reserves it for examples). */
export const DEMO_DOMAIN = "example.com";
/** Object Storage keys the local S3 endpoint accepts (it checks their SigV4 signatures). */
const DEMO_S3_KEYS = { HETZNER_S3_ACCESS_KEY: "DEMOACCESSKEY", HETZNER_S3_SECRET_KEY: "demo-object-storage-secret" };
/**
 * The demo's promise to the reader: it finishes within this. 97.0 s measured alone on a 2-core machine
 * with nine releases (a domain, monitoring and backups; kube-prometheus-stack's install alone takes
 * 15-20 s of Helm); the four core releases alone took 64 s.
 */
export const DEMO_BUDGET_MS = 120_000;

/** The commands of the story, in order. */
export const DEMO_STEPS: readonly {
  name: string;
  args: readonly string[];
  tool?: "helm";
  /** Runs even after a failed step: it shows why (what the operator reports). */
  diagnoses?: true;
}[] = [
  {
    name: "init",
    args: [
      "init",
      "--yes",
      "--name",
      DEMO_CLUSTER,
      "--region",
      "fsn1",
      "--mode",
      "ha",
      "--workers",
      "2",
      "--worker-size",
      "cx33",
      "--domain",
      DEMO_DOMAIN,
      "--monitoring",
      "--backup",
    ],
  },
  // --wait follows the operator's status until the cluster is Running (Cilium and the addons installed by Helm).
  { name: "apply", args: ["apply", "--yes", "--wait", "--timeout", "5m"] },
  // What a user sees with the real Helm and the kubeconfig apply wrote: every addon a `deployed` release.
  { name: "helm", args: ["list", "-A"], tool: "helm" },
  // A second apply finds nothing to change, and the operator runs no Helm for it.
  { name: "apply-again", args: ["apply", "--yes", "--wait", "--timeout", "2m"] },
  { name: "doctor", args: ["doctor"], diagnoses: true },
  { name: "destroy", args: ["destroy", "--yes"] },
];

/** Options of {@link runDemo}. */
export interface DemoOptions {
  speed?: number;
  /** Hetzner token handed to the CLI; default `demo-token`. */
  token?: string;
  /** `HCLOUD_DEBUG_FILE` for the CLI, if any. */
  debugFile?: string;
  /** Let the CLI draw on this terminal (spinners); otherwise its output is piped and printed as plain lines. */
  tty?: boolean;
  /** Where the demo writes its own lines and (piped) the CLI's. */
  print?: (line: string) => void;
  /** Keep the temporary working directory (its path is printed). */
  keepDir?: boolean;
}

/** One step's outcome. */
export interface DemoStepResult {
  name: string;
  command: string;
  code: number | null;
  ms: number;
  /** Hetzner API requests the step (the CLI) sent. */
  requests: number;
  /** Helm processes the operator started while the step ran. */
  helmProcesses: number;
  status: "ok" | "failed" | "skipped";
}

/** What the demo reports at the end. */
export interface DemoSummary {
  ok: boolean;
  cluster: string;
  speed: number;
  steps: DemoStepResult[];
  /** Created by kind, from successful create requests (the CLI's and the operator's). */
  created: Record<string, number>;
  /** The CLI's Hetzner requests by method (what `HCLOUD_DEBUG_FILE` traces). */
  requestsByMethod: Record<string, number>;
  totalRequests: number;
  /** The operator's Hetzner requests by method (told apart by its User-Agent). */
  operatorRequestsByMethod: Record<string, number>;
  operatorRequests: number;
  /** The cloud controller's Hetzner requests by method (Traefik's load balancer). */
  ccmRequestsByMethod: Record<string, number>;
  /** Helm processes the operator started in the whole run. */
  helmProcesses: number;
  /** Resources still labelled with the cluster after the last step. */
  leftover: CloudResource[];
  /** True when a token or key (Hetzner, Cloudflare, Object Storage) appeared in the captured output (a leak; the demo then fails). */
  tokenInOutput: boolean;
  /** DNS records in the demo's zone after `apply` (what external-dns published) and after `destroy`. */
  dnsRecords: { afterApply: number; afterDestroy: number };
  /** Buckets on the Object Storage endpoint at the end (destroy keeps the backup bucket). */
  buckets: string[];
  totalMs: number;
}

/** Runs the story and returns its summary (printing as it goes). */
export async function runDemo(options: DemoOptions = {}): Promise<DemoSummary> {
  const started = performance.now();
  const print = options.print ?? ((line: string) => console.log(line));
  const speed = options.speed ?? DEMO_SPEED;
  const token = options.token ?? "demo-token";
  const cloud = await startLocalCloud({ speed });
  const zone = cloud.cloudflare.addZone(DEMO_DOMAIN);
  const s3 = await startS3Fake({
    region: "fsn1",
    credentials: [{
      accessKeyId: DEMO_S3_KEYS.HETZNER_S3_ACCESS_KEY,
      secretAccessKey: DEMO_S3_KEYS.HETZNER_S3_SECRET_KEY,
    }],
  });
  const secrets = [token, cloud.cloudflareToken, DEMO_S3_KEYS.HETZNER_S3_SECRET_KEY];
  const dnsRecords = { afterApply: 0, afterDestroy: 0 };
  const dir = await Deno.makeTempDir({ prefix: "k8zner-demo-" });
  const steps: DemoStepResult[] = [];
  let tokenInOutput = false;
  try {
    print(`local cloud: Hetzner API ${cloud.hcloudUrl} (simulated time x${speed})`);
    print(`working directory: ${dir}`);
    print(
      `token: ${
        options.token === undefined ? "a placeholder (any non-empty token works here)" : "HCLOUD_TOKEN (not shown)"
      }`,
    );
    const env: Record<string, string> = {
      HCLOUD_ENDPOINT: cloud.hcloudUrl,
      HCLOUD_TOKEN: token,
      K8ZNER_IP_URL: cloud.ipEchoUrl,
      CF_API_TOKEN: cloud.cloudflareToken,
      K8ZNER_CLOUDFLARE_URL: cloud.cloudflareUrl,
      K8ZNER_S3_ENDPOINT: s3.url,
      ...DEMO_S3_KEYS,
      // doctor's endpoint checks (with a domain): names through the local cloud's DNS server, and the
      // local stand-in for Let's Encrypt trusted the standard way.
      K8ZNER_DNS_SERVER: cloud.dnsServer,
      DENO_CERT: cloud.acmeCaFile,
    };
    if (!options.tty) env.CI = "1";
    if (options.debugFile) env.HCLOUD_DEBUG_FILE = options.debugFile;
    const cliRequests = () => cloud.sim.requests.filter(isCliRequest);
    const ccmRequests = () => cloud.sim.requests.filter(isCcmRequest);
    const operatorRequests = () => cloud.sim.requests.filter(isOperatorRequest);
    let failed = false;
    for (const [i, step] of DEMO_STEPS.entries()) {
      const command = `${step.tool ?? "k8zner"} ${step.args.join(" ")}`;
      if (failed && !step.diagnoses) {
        steps.push({ name: step.name, command, code: null, ms: 0, requests: 0, helmProcesses: 0, status: "skipped" });
        continue;
      }
      print("");
      print(`━━ [${i + 1}/${DEMO_STEPS.length}] ${command}`);
      const requestsBefore = cliRequests().length;
      const helmBefore = cloud.helmInvocations().length;
      const onLine = (line: string) => {
        if (secrets.some((secret) => line.includes(secret))) tokenInOutput = true;
        print(`   ${line}`);
      };
      const run = step.tool === "helm"
        ? await runHelm(step.args, { cwd: dir, kubeconfig: `${dir}/secrets/${DEMO_CLUSTER}/kubeconfig`, onLine })
        : await startK8zner(step.args, { cwd: dir, env, inherit: options.tty, onLine }).done;
      const ok = run.code === 0;
      const requests = cliRequests().length - requestsBefore;
      const helmProcesses = cloud.helmInvocations().length - helmBefore;
      steps.push({
        name: step.name,
        command,
        code: run.code,
        ms: run.ms,
        requests,
        helmProcesses,
        status: ok ? "ok" : "failed",
      });
      print(
        `━━ ${ok ? "done" : `FAILED (exit ${run.code}${run.signal ? `, ${run.signal}` : ""})`} in ${seconds(run.ms)}`,
      );
      failed ||= !ok;
      if (step.name === "apply") dnsRecords.afterApply = cloud.cloudflare.records(zone.id).length;
      if (step.name === "destroy") dnsRecords.afterDestroy = cloud.cloudflare.records(zone.id).length;
    }
    const summary: DemoSummary = {
      ok: !failed && !tokenInOutput,
      helmProcesses: cloud.helmInvocations().length,
      cluster: DEMO_CLUSTER,
      speed,
      steps,
      created: countCreated(cloud.sim.requests),
      requestsByMethod: countByMethod(cliRequests()),
      totalRequests: cliRequests().length,
      operatorRequestsByMethod: countByMethod(operatorRequests()),
      operatorRequests: operatorRequests().length,
      ccmRequestsByMethod: countByMethod(ccmRequests()),
      leftover: listClusterResources(cloud.sim.state, DEMO_CLUSTER),
      tokenInOutput,
      dnsRecords,
      buckets: s3.fake.buckets(),
      totalMs: 0,
    };
    summary.totalMs = Math.round(performance.now() - started);
    for (const line of renderSummary(summary)) print(line);
    return summary;
  } finally {
    await s3.close();
    await cloud.close();
    if (options.keepDir) print(`kept the working directory: ${dir}`);
    else await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** Runs the real Helm (the one the local cloud's operator runs) with the user's kubeconfig, streaming its lines. */
async function runHelm(
  args: readonly string[],
  options: { cwd: string; kubeconfig: string; onLine: (line: string) => void },
): Promise<{ code: number; ms: number; signal?: string }> {
  const started = performance.now();
  const helm = await findHelm();
  if (helm.path === undefined) {
    options.onLine(`no Helm: ${helm.reason}`);
    return { code: 1, ms: 0 };
  }
  const home = `${options.cwd}/.helm`;
  const out = await new Deno.Command(helm.path, {
    args: [...args],
    cwd: options.cwd,
    env: {
      KUBECONFIG: options.kubeconfig,
      HELM_CACHE_HOME: `${home}/cache`,
      HELM_CONFIG_HOME: `${home}/config`,
      HELM_DATA_HOME: `${home}/data`,
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  for (const stream of [out.stdout, out.stderr]) {
    for (const line of new TextDecoder().decode(stream).split("\n")) if (line.trim()) options.onLine(line);
  }
  return { code: out.code, ms: Math.round(performance.now() - started) };
}

/**
 * A path the caller typed, made absolute against the caller's directory: `deno task` runs scripts
 * in the checkout and sets INIT_CWD to where the user was, and the CLI itself runs in the demo's
 * temporary directory, where a relative trace file would be deleted with it. Pure.
 */
export function resolveCallerPath(path: string, callerDir: string): string {
  return isAbsolute(path) ? path : join(callerDir, path);
}

/** The summary as the lines the demo prints. Pure. */
export function renderSummary(s: DemoSummary): string[] {
  const list = (counts: Record<string, number>) =>
    Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k} ${n}`).join(", ") ||
    "none";
  const createdTotal = Object.values(s.created).reduce((a, b) => a + b, 0);
  const lines = [
    "",
    "━━ summary",
    `   cluster:   ${s.cluster}`,
    `   created:   ${createdTotal} resources (${list(s.created)})`,
    `   requests:  ${s.totalRequests} to the Hetzner API from the CLI (${list(s.requestsByMethod)})`,
    `              ${s.operatorRequests} from the operator (${list(s.operatorRequestsByMethod)})`,
    `              ${Object.values(s.ccmRequestsByMethod).reduce((a, b) => a + b, 0)} from the cloud controller (${
      list(s.ccmRequestsByMethod)
    })`,
    `   helm:      ${s.helmProcesses} Helm processes run by the operator`,
    ...s.steps.map((st) =>
      `   ${(st.name + ":").padEnd(10)} ${
        st.status === "skipped"
          ? "skipped"
          : `${seconds(st.ms).padStart(6)} ${st.status}, ${st.requests} requests, ${st.helmProcesses} Helm processes`
      }`
    ),
    `   total:     ${seconds(s.totalMs)} (budget ${seconds(DEMO_BUDGET_MS)})`,
    `   dns:       ${s.dnsRecords.afterApply} records in ${DEMO_DOMAIN} after apply (external-dns), ${s.dnsRecords.afterDestroy} after destroy`,
    `   kept:      ${
      s.buckets.length === 0 ? "no bucket" : `bucket ${s.buckets.join(", ")} (etcd backups; never deleted)`
    }`,
    s.leftover.length === 0
      ? `   after destroy: nothing labelled k8zner.io/cluster=${s.cluster} is left`
      : `   left behind: ${s.leftover.map((r) => `${r.kind}/${r.name || r.id}`).join(", ")}`,
  ];
  if (s.tokenInOutput) lines.push("   FAILED: a token or key appeared in the CLI's output");
  lines.push(s.ok ? "   result:    every step succeeded" : "   result:    FAILED");
  return lines;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function parseArgs(args: string[]): { speed?: number; summaryJson?: string; keep: boolean } {
  const out: { speed?: number; summaryJson?: string; keep: boolean } = { keep: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--keep") out.keep = true;
    else if (arg === "--speed" || arg === "--summary-json") {
      const value = args[++i];
      if (value === undefined) throw new Error(`${arg} needs a value`);
      if (arg === "--speed") {
        const n = Number(value);
        if (!(n > 0)) throw new Error(`--speed must be a positive number, not "${value}"`);
        out.speed = n;
      } else out.summaryJson = value;
    } else throw new Error(`unknown argument "${arg}" (known: --speed N, --summary-json FILE, --keep)`);
  }
  return out;
}

if (import.meta.main) {
  let args;
  try {
    args = parseArgs(Deno.args);
  } catch (err) {
    console.error(`error: ${(err as Error).message}`);
    Deno.exit(2);
  }
  const token = Deno.env.get("HCLOUD_TOKEN")?.trim() || undefined;
  const callerDir = Deno.env.get("INIT_CWD") || Deno.cwd();
  const debugFile = Deno.env.get("HCLOUD_DEBUG_FILE") || undefined;
  const summary = await runDemo({
    speed: args.speed,
    token,
    debugFile: debugFile === undefined ? undefined : resolveCallerPath(debugFile, callerDir),
    tty: Deno.stdout.isTerminal() && !Deno.env.get("CI"),
    keepDir: args.keep,
  });
  if (args.summaryJson) {
    await Deno.writeTextFile(resolveCallerPath(args.summaryJson, callerDir), JSON.stringify(summary, null, 2) + "\n");
  }
  Deno.exit(summary.ok ? 0 : 1);
}
