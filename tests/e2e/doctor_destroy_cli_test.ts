/**
 * `doctor` and `destroy` through the real `main.ts` in a subprocess (clean environment, no
 * terminal): the exit codes a script sees (0 healthy, 1 a failed check, 2 for destroy without
 * `--yes` and no terminal) and that the token never reaches the output.
 */
import { assertEquals, assertIncludes, assertMatch } from "../assert.ts";
import { startHcloudSimulator } from "../hcloud_sim/mod.ts";
import { runK8zner } from "./k8zner_process.ts";

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
