import { assertEquals, assertIncludes, assertMatch, assertOk, assertRejects } from "../../tests/assert.ts";
import { loadBalancer, meta, server } from "../../tests/hcloud_fixtures.ts";
import { PRICING } from "../../tests/hcloud_pricing_fixture.ts";
import { createScriptedFetch, type ScriptedExchange } from "../../tests/scripted_fetch.ts";
import { exitCodeFor, formatError } from "../lib/errors.ts";
import type { CliContext } from "./context.ts";
import { runCost } from "./cost_run.ts";

const YAML = "name: demo\nregion: fsn1\nmode: dev\nworkers:\n  count: 1\n  size: cx33\n";
const TOKEN = "cost-test-token-0123456789";

async function withConfig(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/k8zner.yaml`, YAML);
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function context(dir: string, env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const ctx: CliContext = {
    io: { out: (t) => out.push(t), err: (t) => err.push(t), stdoutIsTty: false, stdinIsTty: false },
    env: (n) => env[n],
    cwd: dir,
    color: false,
  };
  return { ctx, out, err };
}

const empty = (key: string) => ({ status: 200, body: { [key]: [], meta: meta(1, 1) } });
function lookups(servers: unknown[], lbs: unknown[]): ScriptedExchange[] {
  return [
    { method: "GET", path: "/pricing", response: { status: 200, body: { pricing: PRICING } } },
    {
      method: "GET",
      path: "/servers",
      query: { label_selector: "k8zner.io/cluster=demo", page: "1", per_page: "50" },
      response: { status: 200, body: { servers, meta: meta(1, 1) } },
    },
    {
      method: "GET",
      path: "/load_balancers",
      query: { label_selector: "k8zner.io/cluster=demo", page: "1", per_page: "50" },
      response: { status: 200, body: { load_balancers: lbs, meta: meta(1, 1) } },
    },
    { method: "GET", path: "/load_balancers", query: { name: "demo-ingress" }, response: empty("load_balancers") },
    { method: "GET", path: "/images", query: "any", response: empty("images") },
  ];
}

Deno.test("k8zner cost prints planned, current and delta from live prices", async () => {
  await withConfig(async (dir) => {
    const labels = { "k8zner.io/cluster": "demo", "k8zner.io/role": "control-plane" };
    const script = createScriptedFetch(
      lookups([server(1, "demo-cp-1", labels)], [loadBalancer(4, "demo-kube", { "k8zner.io/role": "kube-api" })]),
      { base: "http://127.0.0.1:9/v1", token: TOKEN },
    );
    const { ctx, out } = context(dir, { HCLOUD_TOKEN: TOKEN, HCLOUD_ENDPOINT: "http://127.0.0.1:9/v1" });
    const report = await runCost(ctx, {}, { fetch: script.fetch, sleep: script.sleep });
    script.assertDone();
    const text = out.join("\n");
    assertIncludes(text, 'Monthly cost of cluster "demo" in EUR');
    assertIncludes(text, "server cx23 (fsn1)");
    assertIncludes(text, "ingress (created by the CCM)");
    // planned: cp 3.49 + worker 5.49 + 2 x lb11 5.39 + 2 IPv4 1.00 + snapshot 0.01 (0.011 rounded) = 20.77
    assertEquals(report.totals.planned.net, 20.77);
    assertEquals(report.totals.current.net, 9.38); // cx23 3.49 + lb11 5.39 + IPv4 0.50
    // Gross lines 4.15 + 6.53 + 6.41 + 6.41 + 1.19 + 0.00 + 0.01 add up to the total shown (24.70, not 24.72).
    assertMatch(text, /^ {2}Total\s+20\.77\s+24\.70$/m);
    assertMatch(text, /^Delta\s+\+11\.39\s+\+13\.54$/m);
  });
});

Deno.test("k8zner cost --json prints one JSON document with currency, lines and totals", async () => {
  await withConfig(async (dir) => {
    const script = createScriptedFetch(lookups([], []), { token: TOKEN });
    const { ctx, out } = context(dir, { HCLOUD_TOKEN: TOKEN });
    await runCost(ctx, { json: true }, { fetch: script.fetch, sleep: script.sleep });
    script.assertDone();
    const doc = JSON.parse(out.join("\n"));
    assertEquals(doc.currency, "EUR");
    assertEquals(doc.totals.current, { net: 0, gross: 0 });
    assertEquals(doc.totals.planned.net, 20.77);
    assertEquals(doc.planned[0], {
      resource: "server cx23 (fsn1)",
      detail: "control plane",
      count: 1,
      unit: { net: 3.49, gross: 4.1531 },
      monthly: { net: 3.49, gross: 4.15 },
    });
  });
});

Deno.test("k8zner cost without HCLOUD_TOKEN fails with a clear message and exit 1", async () => {
  await withConfig(async (dir) => {
    const { ctx } = context(dir, {});
    const err = await runCost(ctx, {}, { fetch: () => Promise.reject(new Error("no request expected")) }).catch((
      e,
    ) => e);
    assertEquals(exitCodeFor(err), 1);
    assertEquals(
      formatError(err, false),
      "error: HCLOUD_TOKEN is not set\nhint: Export an API token of your Hetzner Cloud project: Console > Security > API tokens.",
    );
  });
});

Deno.test("k8zner cost with a rejected token says so, names HCLOUD_TOKEN and does not print the token", async () => {
  await withConfig(async (dir) => {
    const script = createScriptedFetch([{
      method: "GET",
      path: "/pricing",
      response: {
        status: 401,
        body: { error: { code: "unauthorized", message: "unable to authenticate", details: null } },
      },
    }]);
    const { ctx } = context(dir, { HCLOUD_TOKEN: TOKEN });
    const err = await runCost(ctx, {}, { fetch: script.fetch, sleep: script.sleep }).catch((e) => e);
    const text = formatError(err, true);
    assertEquals(exitCodeFor(err), 1);
    assertIncludes(text, "error: unable to authenticate (unauthorized, HTTP 401 on GET /pricing)");
    assertIncludes(text, "hint: Check HCLOUD_TOKEN");
    assertOk(!text.includes(TOKEN));
    assertOk(!text.includes("    at "), "no stack trace");
    script.assertDone();
  });
});

Deno.test("k8zner cost refuses an HCLOUD_ENDPOINT that is not a URL", async () => {
  await withConfig(async (dir) => {
    const { ctx } = context(dir, { HCLOUD_TOKEN: TOKEN, HCLOUD_ENDPOINT: "localhost:8080" });
    await assertRejects(() => runCost(ctx, {}), /HCLOUD_ENDPOINT "localhost:8080": not an http\(s\) URL/);
  });
});
