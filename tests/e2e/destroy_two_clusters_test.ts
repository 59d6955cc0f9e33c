/**
 * `k8zner destroy` end to end against the Hetzner simulator, through the command's own client:
 * two clusters live in one project, each with a cloud-controller load balancer, plus a CSI volume
 * and an unlabelled server. Destroying one lists its objects (kind, name, id) with the monthly cost
 * freed, asks for its name, deletes only its objects (surviving injected faults), keeps its
 * credentials unless `--purge-secrets`; a second run is a no-op with zero mutating requests.
 */
import { assertEquals, assertIncludes, assertMatch, assertOk } from "../assert.ts";
import { scriptedPrompter } from "../cli/scripted_prompter.ts";
import { listClusterResources } from "./cloud_inventory.ts";
import { runDestroyCommand } from "../../src/cli/destroy_run.ts";
import { DestroyNotConfirmedError } from "../../src/bootstrap/destroy_command.ts";
import { serverPrice } from "../../src/cluster/cost/cost.ts";
import { withFakes } from "../fake_contracts.ts";
import { cli, FAST, mutating, remaining, withProject } from "./destroy_project.ts";

Deno.test(withFakes(
  "destroy lists one cluster with the cost freed, deletes only it after the typed name, keeps its secrets",
  async () => {
    await withProject(async (p) => {
      const prompter = scriptedPrompter([{
        text: /^Type the cluster name to delete these 10 resource\(s\)$/,
        answers: ["demo"],
      }]);
      const run = cli(p, { tty: true });
      // Faults on the way: a 503 on a server delete and a locked network are retried.
      p.env.sim.faults.failNext({ method: "DELETE", path: /^\/servers\// }, { kind: "503" });
      p.env.sim.faults.failNext({ method: "DELETE", path: /^\/networks\// }, { kind: "locked" });
      const outcome = await runDestroyCommand(run.ctx, {}, {
        ...FAST,
        createPrompter: () => Promise.resolve(prompter),
      });
      prompter.assertDone();

      assertEquals(outcome.status, "deleted");
      assertEquals(outcome.deleted, 10);
      const text = run.out.join("\n");
      assertIncludes(text, 'Cluster "demo": 10 resource(s) labelled k8zner.io/cluster=demo will be deleted:');
      for (const item of outcome.listing.items) {
        assertMatch(text, new RegExp(`^  \\S.*\\s${item.name}\\s+${item.id}\\b`, "m"), `${item.kind} ${item.name}`);
      }
      assertEquals(outcome.listing.items.map((i) => `${i.kind} ${i.name}`).sort(), [
        "firewall demo",
        "load_balancer a3f1c2a0b1",
        "load_balancer demo-kube",
        "network demo",
        "placement_group demo-cp-pg",
        "placement_group demo-w-pg-1",
        "server demo-cp-1",
        "server demo-w-1",
        "ssh_key demo-default",
        "volume pvc-data",
      ]);
      // The cost freed comes from the simulator's live GET /pricing.
      const pricing = await p.env.hc.pricing.get();
      const cost = outcome.listing.cost!;
      assertEquals(cost.currency, "EUR");
      const line = (resource: string) => cost.lines.find((l) => l.resource === resource);
      assertEquals(line("server cx33 (fsn1)")?.unit.net, serverPrice(pricing, "cx33", "fsn1").net);
      assertEquals(line("load balancer lb11 (fsn1)")?.count, 1);
      assertEquals(cost.lines.filter((l) => l.resource.startsWith("load balancer")).length, 2);
      assertEquals(line("volumes")?.detail, "20 GB");
      const sum = cost.lines.reduce((s, l) => s + l.monthly.net, 0);
      assertEquals(Math.abs(cost.total.net - sum) < 0.0001, true);
      assertIncludes(
        text,
        `Monthly cost freed: EUR ${cost.total.net.toFixed(2)} net (${cost.total.gross.toFixed(2)} gross)`,
      );
      assertIncludes(text, "Kept: Talos snapshots (shared by clusters of the same Talos version), and ./secrets/demo/");

      // Only demo's objects are gone: the other cluster, its CCM load balancer and the stranger remain.
      assertEquals(listClusterResources(p.env.sim.state, "demo"), []);
      assertEquals(remaining(p), p.survivors());
      assertOk(p.survivors().some((s) => s.endsWith("/b7e9d4c2f8")), "the other cluster's CCM load balancer survives");
      assertOk(p.survivors().some((s) => s.endsWith("/stranger")), "the unlabelled server survives");
      assertEquals(p.otherServers.map((s) => p.env.sim.state.servers.get(s.id)?.status), ["running", "running"]);
      assertIncludes(run.out.join("\n"), "Kept ./secrets/demo/ (pass --purge-secrets to remove it).");
      assertEquals((await Deno.stat(`${p.dir}/secrets/demo/secrets.yaml`)).isFile, true);
      assertMatch(run.err.join("\n"), /done\s+Servers: 2 deleted/);
      assertEquals(p.env.sim.requests.filter((r) => r.fault).length, 2);
    });
  },
));

Deno.test(withFakes(
  "a second destroy says nothing to delete and sends zero mutating requests; --purge-secrets then removes the directory",
  async () => {
    await withProject(async (p) => {
      await runDestroyCommand(cli(p).ctx, { yes: true }, FAST);
      const before = mutating(p).length;

      const again = cli(p);
      const outcome = await runDestroyCommand(again.ctx, { yes: true }, FAST);
      assertEquals(outcome.status, "nothing-to-delete");
      assertEquals(again.out[0]!.split("\n"), [
        "Nothing to delete: no Hetzner resources labelled k8zner.io/cluster=demo.",
        "",
        "DNS records of example.com not checked: CF_API_TOKEN is not set; set it to remove this cluster's records " +
        "(external-dns).",
      ]);
      assertEquals(mutating(p).length, before);
      assertEquals((await Deno.stat(`${p.dir}/secrets/demo`)).isDirectory, true);

      const purge = cli(p);
      const purged = await runDestroyCommand(purge.ctx, { yes: true, purgeSecrets: true, json: true }, FAST);
      assertEquals([purged.status, purged.secrets], ["nothing-to-delete", "removed"]);
      assertEquals(JSON.parse(purge.out.join("\n")).secrets, { path: "./secrets/demo", action: "removed" });
      assertEquals(mutating(p).length, before);
      const gone = await Deno.stat(`${p.dir}/secrets/demo`).then(() => false, (e) => e instanceof Deno.errors.NotFound);
      assertOk(gone, "secrets/demo removed");
      assertEquals(remaining(p), p.survivors());
    });
  },
));

Deno.test(withFakes(
  "destroy --yes --purge-secrets removes the credentials only after the cloud is clean, and --json reports it",
  async () => {
    await withProject(async (p) => {
      const run = cli(p);
      const outcome = await runDestroyCommand(run.ctx, { yes: true, purgeSecrets: true, json: true }, FAST);
      const doc = JSON.parse(run.out.join("\n"));
      assertEquals([doc.status, doc.deleted, doc.secrets.action], ["deleted", outcome.deleted, "removed"]);
      assertEquals(doc.items.length, outcome.listing.items.length);
      assertOk(doc.items.every((i: { kind: string; name: string; id: number }) => i.kind && i.name && i.id > 0));
      assertEquals(doc.monthly_cost_freed.currency, "EUR");
      assertOk(doc.monthly_cost_freed.net > 0);
      assertEquals(listClusterResources(p.env.sim.state, "demo"), []);
      const gone = await Deno.stat(`${p.dir}/secrets/demo`).then(() => false, (e) => e instanceof Deno.errors.NotFound);
      assertOk(gone, "secrets/demo removed");
    });
  },
));

Deno.test(withFakes("typing a wrong name at the prompt deletes nothing and keeps everything", async () => {
  await withProject(async (p) => {
    const before = remaining(p);
    const prompter = scriptedPrompter([{ text: /^Type the cluster name/, answers: ["other"] }]);
    const run = cli(p, { tty: true });
    const err = await runDestroyCommand(run.ctx, { purgeSecrets: true }, {
      ...FAST,
      createPrompter: () => Promise.resolve(prompter),
    }).then(() => undefined, (e: unknown) => e);
    assertOk(err instanceof DestroyNotConfirmedError, `expected DestroyNotConfirmedError, got ${err}`);
    assertIncludes(err.message, "nothing was deleted");
    assertIncludes(run.out.join("\n"), "will be deleted:");
    assertEquals(mutating(p), []);
    assertEquals(remaining(p), before);
    assertEquals((await Deno.stat(`${p.dir}/secrets/demo/secrets.yaml`)).isFile, true);
  });
}));

Deno.test(withFakes(
  "without a terminal and without --yes destroy exits 2 naming --yes; --dry-run --json only lists",
  async () => {
    await withProject(async (p) => {
      const run = cli(p);
      const err = await runDestroyCommand(run.ctx, {}, FAST).then(() => undefined, (e: unknown) => e);
      assertOk(err instanceof Error && err.name === "UsageError", String(err));
      assertIncludes((err as Error & { hint: string }).hint, "--yes");
      assertIncludes(err.message, "stdin is not a terminal; nothing was deleted");

      const json = cli(p);
      const notAllowed = await runDestroyCommand(json.ctx, { json: true }, FAST).then(
        () => undefined,
        (e: unknown) => e,
      );
      assertOk(notAllowed instanceof Error && notAllowed.name === "UsageError", String(notAllowed));

      const dry = cli(p);
      const outcome = await runDestroyCommand(dry.ctx, { dryRun: true, json: true }, FAST);
      const doc = JSON.parse(dry.out.join("\n"));
      assertEquals([doc.status, doc.deleted, doc.items.length], ["dry-run", 0, outcome.listing.items.length]);
      assertEquals(mutating(p), []);
    });
  },
));

Deno.test(withFakes(
  "a deletion that keeps failing stops destroy with what is left and keeps the credentials; the next run finishes",
  async () => {
    await withProject(async (p) => {
      p.env.sim.faults.failNext({ method: "DELETE", path: /^\/networks\//, times: 1000 }, { kind: "500" });
      const first = cli(p);
      const err = await runDestroyCommand(first.ctx, { yes: true, purgeSecrets: true }, FAST).then(
        () => undefined,
        (e: unknown) => e,
      );
      assertOk(err instanceof Error && err.name === "UserFacingError", String(err));
      assertIncludes(err.message, 'Cannot finish destroying cluster "demo": 1 deletion(s) failed (9 done)');
      assertIncludes(err.message, "network demo");
      assertEquals((await Deno.stat(`${p.dir}/secrets/demo/secrets.yaml`)).isFile, true);
      assertEquals(listClusterResources(p.env.sim.state, "demo").map((r) => `${r.kind} ${r.name}`), ["networks demo"]);

      p.env.sim.faults.clear();
      const second = cli(p);
      const outcome = await runDestroyCommand(second.ctx, { yes: true, purgeSecrets: true }, FAST);
      assertEquals([outcome.status, outcome.deleted, outcome.secrets], ["deleted", 1, "removed"]);
      assertEquals(remaining(p), p.survivors());
    });
  },
));
