/**
 * `k8zner doctor` before a cluster exists, against the Hetzner simulator over real HTTP: a valid
 * token passes every check (region, server types, limits, detected allowlist IP); a token the API
 * refuses (401) fails with a message saying so; existing labelled objects and same-named foreign
 * ones are reported.
 */
import { assertEquals, assertIncludes, assertOk, assertRejects } from "../assert.ts";
import { startHcloudSimulator } from "../hcloud_sim/mod.ts";
import type { CliContext } from "../../src/cli/context.ts";
import { DoctorFailedError, runDoctorCommand } from "../../src/cli/doctor_run.ts";
import { realSleep } from "../../src/cli/hcloud_env.ts";
import { createHcloudClient } from "../../src/hcloud/mod.ts";

const YAML = "name: demo\nregion: fsn1\nmode: dev\nworkers:\n  count: 2\n  size: cx33\n";

interface Harness {
  ctx: CliContext;
  out: string[];
}

function harness(dir: string, env: Record<string, string>): Harness {
  const out: string[] = [];
  return {
    out,
    ctx: {
      io: { out: (t) => out.push(t), err: () => {}, stdoutIsTty: false, stdinIsTty: false },
      env: (n) => env[n],
      cwd: dir,
      color: false,
      now: () => new Date("2026-03-01T12:00:00Z"),
    },
  };
}

/** A plain-text "what is my IP" service on loopback, like the one K8ZNER_IP_URL points at. */
function startIpEcho(ip: string): Deno.HttpServer<Deno.NetAddr> & { url: string } {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => new Response(`${ip}\n`));
  return Object.assign(server, { url: `http://127.0.0.1:${server.addr.port}/` });
}

/**
 * A gate in front of the simulator that answers like Hetzner for an unknown token (401 with the
 * API's error body) and forwards everything else (the simulator accepts any non-empty token).
 */
function startTokenGate(simUrl: string, accepted: string): Deno.HttpServer<Deno.NetAddr> & { url: string } {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    if (req.headers.get("authorization") !== `Bearer ${accepted}`) {
      return Response.json({ error: { code: "unauthorized", message: "unable to authenticate", details: null } }, {
        status: 401,
      });
    }
    const url = new URL(req.url);
    const target = simUrl.replace(/\/v1$/, "") + url.pathname + url.search;
    const res = await fetch(target, { method: req.method, headers: req.headers, body: await req.text() || undefined });
    return new Response(await res.arrayBuffer(), { status: res.status, headers: res.headers });
  });
  return Object.assign(server, { url: `http://127.0.0.1:${server.addr.port}/v1` });
}

async function inTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/k8zner.yaml`, YAML);
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("doctor before a cluster exists passes every check with a valid token and detects the caller's IP", async () => {
  await using sim = await startHcloudSimulator({ speed: 1000 });
  const echo = startIpEcho("203.0.113.7");
  try {
    await inTempDir(async (dir) => {
      const h = harness(dir, { HCLOUD_TOKEN: "good", HCLOUD_ENDPOINT: sim.url, K8ZNER_IP_URL: echo.url });
      const report = await runDoctorCommand(h.ctx, {});
      assertEquals(report.stage, "pre-cluster");
      assertEquals(report.phase, "Not created");
      assertEquals(report.inventory, []);
      assertEquals(report.checks.map((c) => [c.id, c.status]), [
        ["hcloud.token", "ok"],
        ["hcloud.region", "ok"],
        ["hcloud.server_type.cx23", "ok"],
        ["hcloud.server_type.cx33", "ok"],
        ["hcloud.limits", "ok"],
        ["access.allowlist", "ok"],
      ]);
      const text = h.out.join("\n");
      assertIncludes(text, "  ✔ Hetzner API token: accepted by " + sim.url);
      assertIncludes(text, "  ✔ Region fsn1: Falkenstein DC Park 1, network zone eu-central");
      assertIncludes(text, "  ✔ Server type cx33 (workers): 4 vCPU, 8 GB RAM, 80 GB disk, available in fsn1");
      assertIncludes(text, "api_allowlist is empty; apply will allow your public IPv4 203.0.113.7/32");
      assertIncludes(text, "0 server(s) in the project, 3 planned");
      assertIncludes(text, "✔ all checks passed");
      // Read-only: doctor never changes the project.
      assertEquals(sim.requests.filter((r) => r.method !== "GET"), []);
    });
  } finally {
    await echo.shutdown();
  }
});

Deno.test("doctor with a token the API refuses fails with 401 and skips the checks that need it", async () => {
  await using sim = await startHcloudSimulator({ speed: 1000 });
  const gate = startTokenGate(sim.url, "good");
  try {
    await inTempDir(async (dir) => {
      const h = harness(dir, {
        HCLOUD_TOKEN: "not-a-real-token",
        HCLOUD_ENDPOINT: gate.url,
        K8ZNER_IP_URL: "http://127.0.0.1:1/",
      });
      const err = await runDoctorCommand(h.ctx, {}).then(() => undefined, (e: unknown) => e);
      assertOk(err instanceof DoctorFailedError, `expected DoctorFailedError, got ${err}`);
      assertIncludes(err.message, "Hetzner API token");
      assertEquals(err.exitCode, 1);
      const text = h.out.join("\n");
      assertIncludes(text, "  ✖ Hetzner API token: rejected by the Hetzner API (401 unauthorized)");
      assertIncludes(text, "      hint: HCLOUD_TOKEN is not a valid token");
      assertIncludes(text, "  - Region: needs an accepted API token");
      // The IP service is unreachable too: a second failure, with the way out.
      assertIncludes(text, "hint: Set api_allowlist in k8zner.yaml");
      assertEquals(text.includes("not-a-real-token"), false);
      assertEquals(sim.requests.length, 0);
    });
  } finally {
    await gate.shutdown();
  }
});

Deno.test("doctor without HCLOUD_TOKEN fails the token check and still checks the configured allowlist", async () => {
  await inTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/k8zner.yaml`, YAML + "api_allowlist:\n  - 198.51.100.0/24\n");
    const h = harness(dir, {});
    await assertRejects(() => runDoctorCommand(h.ctx, { json: true }), DoctorFailedError);
    const doc = JSON.parse(h.out.join("\n"));
    assertEquals(doc.healthy, false);
    assertEquals(doc.checks[0].detail, "HCLOUD_TOKEN is not set");
    assertEquals(doc.checks.at(-1).detail, "api_allowlist: 198.51.100.0/24");
    assertEquals(doc.inventory, undefined);
  });
});

Deno.test("doctor reports objects already labelled for the cluster and fails on a same-named foreign one", async () => {
  await using sim = await startHcloudSimulator({ speed: 1000 });
  const client = createHcloudClient({ token: "good", endpoint: sim.url, fetch, sleep: realSleep });
  await client.networks.create({
    name: "demo",
    ip_range: "10.0.0.0/16",
    labels: { "k8zner.io/cluster": "demo", "k8zner.io/managed-by": "k8zner" },
  });
  await client.firewalls.create({ name: "demo", labels: { team: "web" } });
  await inTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/k8zner.yaml`, YAML + "api_allowlist:\n  - 198.51.100.0/24\n");
    const h = harness(dir, { HCLOUD_TOKEN: "good", HCLOUD_ENDPOINT: sim.url });
    await assertRejects(() => runDoctorCommand(h.ctx, {}), DoctorFailedError);
    const text = h.out.join("\n");
    assertIncludes(text, 'cluster "demo" (fsn1), phase Partially created');
    assertIncludes(text, "  ✖ Name conflict: firewall demo: id ");
    assertIncludes(text, "is not created by k8zner (no k8zner.io/cluster label)");
    assertIncludes(text, "  ! Cluster: 1 resource(s) exist in Hetzner but there is no kubeconfig yet");
    assertIncludes(text, "  network demo (id ");
  });
});
