/**
 * Where `apply` keeps the cluster's credentials (issue 10): beside the config file found in a parent
 * directory, never a second bundle for a cluster that exists, `--secrets-dir` for a bundle kept
 * elsewhere, and nothing written at all when the token is rejected.
 *
 * @module
 */
import { assertEquals, assertIncludes, assertMatch, assertOk } from "../assert.ts";
import { startLocalCloud } from "../local_cloud/mod.ts";
import { cloudEnv, k8zner, makeWorkdir, mutating, renderConfig } from "./apply_harness.ts";
import { withFakes } from "../fake_contracts.ts";

/** Every path under `dir`, relative, sorted. */
async function tree(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(`${dir}/${prefix}`)) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    out.push(rel);
    if (entry.isDirectory) out.push(...await tree(dir, rel));
  }
  return out.sort();
}

/** Answers every request like Hetzner does for an unknown token. */
function startRejectingApi(): Deno.HttpServer<Deno.NetAddr> & { url: string; requests: string[] } {
  const requests: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    requests.push(`${req.method} ${new URL(req.url).pathname}`);
    return Response.json({ error: { code: "unauthorized", message: "unable to authenticate", details: null } }, {
      status: 401,
    });
  });
  return Object.assign(server, { url: `http://127.0.0.1:${server.addr.port}/v1`, requests });
}

Deno.test(withFakes("apply with a rejected token writes nothing", async () => {
  const cloud = await startLocalCloud({ speed: 200 });
  const api = startRejectingApi();
  const dir = await makeWorkdir(renderConfig("denied", "dev", 1));
  try {
    const r = await k8zner(cloud, dir, ["apply"], cloudEnv(cloud, { HCLOUD_ENDPOINT: api.url, HCLOUD_TOKEN: "wrong" }));
    assertEquals(r.code, 1, `${r.stdout}\n${r.stderr}`);
    assertMatch(r.stderr, /unauthorized|unable to authenticate|token/i);
    assertEquals(await tree(dir), ["k8zner.yaml"], "no secrets/ directory, no secrets.yaml");
    assertOk(api.requests.every((q) => q.startsWith("GET ")), api.requests.join(", "));
    assertOk(!r.stdout.includes("wrong") && !r.stderr.includes("wrong"), "the token is not printed");
  } finally {
    await api.shutdown();
    await cloud.close();
    await Deno.remove(dir, { recursive: true });
  }
}));

Deno.test(
  withFakes("apply keeps secrets beside the config, refuses a second bundle, and takes --secrets-dir", async (t) => {
    const cloud = await startLocalCloud({ speed: 200 });
    const dir = await makeWorkdir(renderConfig("home", "dev", 1));
    const elsewhere = await makeWorkdir(renderConfig("home", "dev", 1));
    try {
      await Deno.mkdir(`${dir}/charts/sub`, { recursive: true });

      await t.step("apply from a subdirectory writes secrets/home/ beside k8zner.yaml", async () => {
        const r = await k8zner(cloud, `${dir}/charts/sub`, ["apply"]);
        assertEquals(r.code, 0, `${r.stdout}\n${r.stderr}`);
        assertIncludes(r.stdout, `kubeconfig:  ${dir}/secrets/home/kubeconfig`);
        const files = await tree(dir);
        assertEquals(files.filter((f) => f.startsWith("secrets")), [
          "secrets",
          "secrets/.gitignore",
          "secrets/home",
          "secrets/home/kubeconfig",
          "secrets/home/secrets.yaml",
          "secrets/home/talosconfig",
        ]);
        assertEquals(files.filter((f) => f.startsWith("charts")), ["charts", "charts/sub"]);
      });

      await t.step("apply beside the config finds the same cluster up to date", async () => {
        const r = await k8zner(cloud, dir, ["apply"]);
        assertEquals(r.code, 0, `${r.stdout}\n${r.stderr}`);
        assertIncludes(r.stdout, "is up to date");
        assertEquals(mutating(r.requests), []);
      });

      await t.step("a copy of the config without the bundle is refused with exit 2 and writes nothing", async () => {
        const r = await k8zner(cloud, elsewhere, ["apply"]);
        assertEquals(r.code, 2, `${r.stdout}\n${r.stderr}`);
        assertIncludes(
          r.stderr,
          `Cannot find the secrets bundle of cluster "home" at ${elsewhere}/secrets/home/secrets.yaml`,
        );
        assertIncludes(r.stderr, "home-cp-1");
        assertIncludes(r.stderr, "--secrets-dir");
        assertEquals(mutating(r.requests), []);
        assertEquals(await tree(elsewhere), ["k8zner.yaml"]);
        const repair = await k8zner(cloud, elsewhere, ["kubeconfig"]);
        assertEquals(repair.code, 2, `${repair.stdout}\n${repair.stderr}`);
        assertIncludes(repair.stderr, "never generates one");
        assertEquals(await tree(elsewhere), ["k8zner.yaml"]);
      });

      await t.step("--secrets-dir names the first bundle and apply converges", async () => {
        const r = await k8zner(cloud, elsewhere, ["apply", "--secrets-dir", `${dir}/secrets/home`]);
        assertEquals(r.code, 0, `${r.stdout}\n${r.stderr}`);
        assertIncludes(r.stdout, "is up to date");
        assertEquals(mutating(r.requests), []);
        assertEquals(await tree(elsewhere), ["k8zner.yaml"]);
      });
    } finally {
      await cloud.close();
      await Deno.remove(dir, { recursive: true });
      await Deno.remove(elsewhere, { recursive: true });
    }
  }),
);
