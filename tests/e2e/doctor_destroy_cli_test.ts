/**
 * `doctor` and `destroy` through the real `main.ts` in a subprocess (clean environment, no
 * terminal): the exit codes a script sees (0 healthy, 1 a failed check, 2 for destroy without
 * `--yes` and no terminal) and that the token never reaches the output.
 */
import { assertEquals, assertIncludes, assertMatch } from "../assert.ts";
import { startHcloudSimulator } from "../hcloud_sim/mod.ts";
import { runK8zner } from "./k8zner_process.ts";
import { startCloudflareFake } from "../cloudflare_fake/mod.ts";

const YAML = "name: demo\nregion: fsn1\nmode: dev\nworkers:\n  count: 1\n  size: cx33\n" +
  "api_allowlist:\n  - 198.51.100.0/24\n";

Deno.test("doctor exits 0 before a cluster exists; destroy without --yes and no terminal exits 2; with --yes 'nothing to delete'", async () => {
  await using sim = await startHcloudSimulator({ speed: 1000 });
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/k8zner.yaml`, YAML);
    const token = "s3cret-token-value";
    const env = { HCLOUD_TOKEN: token, HCLOUD_ENDPOINT: sim.url };
    // The simulator answers with an empty project; the other cluster's network makes destroy list something.
    await fetch(`${sim.url}/networks`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify({
        name: "demo",
        ip_range: "10.0.0.0/16",
        labels: { "k8zner.io/cluster": "demo", "k8zner.io/managed-by": "k8zner" },
      }),
    }).then((r) => r.body?.cancel());

    const doctor = await runK8zner(["doctor"], { cwd: dir, env });
    assertEquals(doctor.code, 0, doctor.stderr);
    assertIncludes(doctor.stdout, "  ✔ Hetzner API token: accepted");
    assertIncludes(doctor.stdout, "phase Partially created");

    const refused = await runK8zner(["destroy"], { cwd: dir, env });
    assertEquals(refused.code, 2, refused.stderr);
    assertMatch(refused.stdout, /^ {2}network {2}demo {2}\d+ {2}10\.0\.0\.0\/16$/m);
    assertIncludes(refused.stdout, "Monthly cost freed: EUR 0.00 (nothing in the list is billed).");
    assertMatch(refused.stderr, /^error: Cannot ask to confirm destroying cluster "demo": stdin is not a terminal/m);
    assertMatch(refused.stderr, /^hint: .*--yes/m);
    assertEquals(sim.requests.filter((r) => r.method === "DELETE").length, 0);

    const destroyed = await runK8zner(["destroy", "--yes"], { cwd: dir, env });
    assertEquals(destroyed.code, 0, destroyed.stderr);
    assertIncludes(destroyed.stdout, 'Cluster "demo" destroyed: 1 resource(s) deleted.');
    const again = await runK8zner(["destroy", "--yes"], { cwd: dir, env });
    assertEquals(again.code, 0, again.stderr);
    assertEquals(again.stdout.trim(), "Nothing to delete: no Hetzner resources labelled k8zner.io/cluster=demo.");

    const noToken = await runK8zner(["doctor", "--json"], { cwd: dir, env: { HCLOUD_ENDPOINT: sim.url } });
    assertEquals(noToken.code, 1);
    assertEquals(JSON.parse(noToken.stdout).healthy, false);
    assertMatch(noToken.stderr, /^error: doctor: 1 check\(s\) failed: Hetzner API token$/m);

    for (const run of [doctor, refused, destroyed, again]) {
      assertEquals(run.stdout.includes(token) || run.stderr.includes(token), false);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("destroy --yes through main.ts deletes the cluster's Cloudflare records and never prints CF_API_TOKEN", async () => {
  await using sim = await startHcloudSimulator({ speed: 1000 });
  const cfToken = "cf-s3cret-token-value";
  await using cf = await startCloudflareFake({ token: cfToken });
  const zone = cf.addZone("example.com");
  const owner =
    '"heritage=external-dns,external-dns/owner=demo,external-dns/resource=ingress/argocd/argo-cd-argocd-server"';
  cf.addRecord(zone.id, { type: "A", name: "argo.example.com", content: "192.0.2.10" });
  cf.addRecord(zone.id, { type: "TXT", name: "a-argo.example.com", content: owner });
  cf.addRecord(zone.id, { type: "A", name: "www.example.com", content: "192.0.2.80" });
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/k8zner.yaml`, `${YAML}domain: example.com\n`);
    const env = {
      HCLOUD_TOKEN: "hc-token",
      HCLOUD_ENDPOINT: sim.url,
      CF_API_TOKEN: cfToken,
      K8ZNER_CLOUDFLARE_URL: cf.url,
    };
    const run = await runK8zner(["destroy", "--yes"], { cwd: dir, env });
    assertEquals(run.code, 0, run.stderr);
    assertIncludes(run.stdout, "No Hetzner resources labelled k8zner.io/cluster=demo.");
    assertIncludes(run.stdout, "2 Cloudflare DNS record(s) of this cluster in zone example.com will be deleted");
    assertIncludes(run.stdout, "Deleted 2 Cloudflare DNS record(s).");
    assertEquals(cf.records(zone.id).map((r) => r.name), ["www.example.com"]);

    const refused = await runK8zner(["destroy", "--yes"], { cwd: dir, env: { ...env, CF_API_TOKEN: "wrong-token" } });
    assertEquals(refused.code, 0, refused.stderr);
    assertMatch(
      refused.stdout,
      /^warning: cannot list the DNS records of example\.com in Cloudflare: Cloudflare API GET \/zones: Authentication error \(code 10000\)$/m,
    );
    for (const r of [run, refused]) {
      assertEquals(r.stdout.includes(cfToken) || r.stderr.includes(cfToken), false);
      assertEquals(r.stdout.includes("wrong-token") || r.stderr.includes("wrong-token"), false);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
