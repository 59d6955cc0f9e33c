/**
 * `k8zner destroy` with a domain: two clusters' external-dns records (as external-dns v0.21 writes them:
 * `a-`/`aaaa-` TXT registry records and an old-format one) and records nobody owns share one Cloudflare
 * zone. Destroying "demo" lists its records before asking, deletes exactly them after its servers, and
 * the neighbour's and the unowned records survive; Cloudflare failing at that point is a warning naming
 * what is left. The backup bucket is listed as kept.
 */
import { assertEquals, assertIncludes, assertMatch, assertOk } from "../assert.ts";
import { startCloudflareFake } from "../cloudflare_fake/mod.ts";
import { listClusterResources } from "./cloud_inventory.ts";
import { runDestroyCommand } from "../../src/cli/destroy_run.ts";
import { withFakes } from "../fake_contracts.ts";
import { cli, DEMO_YAML, FAST, withProject } from "./destroy_project.ts";

const CF_TOKEN = "cf-token-for-destroy";
const registry = (owner: string, resource: string) =>
  `"heritage=external-dns,external-dns/owner=${owner},external-dns/resource=ingress/${resource}"`;

async function withZone(
  fn: (z: {
    cf: Awaited<ReturnType<typeof startCloudflareFake>>;
    zoneId: string;
    demo: string[];
    survivors: string[];
  }) => Promise<void>,
): Promise<void> {
  await using cf = await startCloudflareFake({ token: CF_TOKEN });
  const zone = cf.addZone("example.com");
  const add = (type: string, name: string, content: string) => {
    const r = cf.addRecord(zone.id, { type, name, content });
    return `${r.type} ${r.name}`;
  };
  // Enough unrelated records that listing takes two pages of 100.
  const padding = Array.from({ length: 120 }, (_, i) => add("A", `host${i}.example.com`, "192.0.2.200"));
  const demo = [
    add("A", "argo.example.com", "127.0.200.1"),
    add("TXT", "a-argo.example.com", registry("demo", "argocd/argo-cd-argocd-server")),
    add("AAAA", "argo.example.com", "2001:db8::1"),
    add("TXT", "aaaa-argo.example.com", registry("demo", "argocd/argo-cd-argocd-server")),
    add("A", "grafana.example.com", "127.0.200.1"),
    add("TXT", "grafana.example.com", registry("demo", "monitoring/kube-prometheus-stack-grafana")),
  ];
  const survivors = [
    ...padding,
    add("A", "argo.other.example.com", "127.0.200.2"),
    add("TXT", "a-argo.other.example.com", registry("other", "argocd/argo-cd-argocd-server")),
    add("A", "argo.demo2.example.com", "127.0.200.3"),
    add("TXT", "a-argo.demo2.example.com", registry("demo2", "argocd/argo-cd-argocd-server")),
    add("A", "www.example.com", "192.0.2.80"),
    add("TXT", "example.com", "v=spf1 -all"),
  ];
  await fn({ cf, zoneId: zone.id, demo, survivors });
}

const cfEnv = (url: string) => ({ CF_API_TOKEN: CF_TOKEN, K8ZNER_CLOUDFLARE_URL: url });
const names = (records: { type: string; name: string }[]) => records.map((r) => `${r.type} ${r.name}`).sort();

Deno.test(withFakes(
  "destroy deletes exactly its cluster's external-dns records; the neighbours' and unowned records survive",
  async () => {
    await withProject(async (p) => {
      await withZone(async ({ cf, zoneId, demo, survivors }) => {
        await Deno.writeTextFile(`${p.dir}/k8zner.yaml`, `${DEMO_YAML}backup: true\n`);
        const dry = cli(p, { env: cfEnv(cf.url) });
        await runDestroyCommand(dry.ctx, { dryRun: true, json: true }, FAST);
        const doc = JSON.parse(dry.out.join("\n"));
        assertEquals([doc.dns.status, doc.dns.zone, doc.dns.records.length], ["found", "example.com", 6]);
        assertEquals(doc.kept, ["bucket demo-etcd-backups (etcd backups; never deleted by k8zner)"]);
        assertEquals(cf.requests.filter((r) => r.method === "DELETE").length, 0, "a dry run deletes nothing");
        const run = cli(p, { env: cfEnv(cf.url) });
        const outcome = await runDestroyCommand(run.ctx, { yes: true }, FAST);
        const text = run.out.join("\n");
        assertEquals(outcome.status, "deleted");
        assertIncludes(
          text,
          "6 Cloudflare DNS record(s) of this cluster in zone example.com will be deleted (external-dns owner records " +
            "and the records they name):",
        );
        assertMatch(text, /^ {2}A {5}argo\.example\.com {7}127\.0\.200\.1$/m);
        assertIncludes(
          text,
          "Kept: Talos snapshots (shared by clusters of the same Talos version); bucket " +
            "demo-etcd-backups (etcd backups; never deleted by k8zner)",
        );
        assertIncludes(text, "Deleted 6 Cloudflare DNS record(s).");
        assertIncludes(text, "Kept: bucket demo-etcd-backups (etcd backups; never deleted by k8zner).");
        assertEquals(names(outcome.dns!.deleted), [...demo].sort());
        // The owner records go last: an interrupted run leaves the proof of ownership for the next one.
        assertEquals(outcome.dns!.deleted.map((r) => r.type), ["A", "AAAA", "A", "TXT", "TXT", "TXT"]);
        assertEquals(names(cf.records(zoneId)), [...survivors].sort());
        assertEquals(listClusterResources(p.env.sim.state, "demo"), []);
        // Listing paged through the zone (100 per page).
        const gets = cf.requests.filter((r) => r.method === "GET" && r.path.endsWith("/dns_records"));
        assertEquals(gets.map((r) => r.query.page), ["1", "2", "1", "2"], "the dry run and the run each list twice");
        const deletes = cf.requests.filter((r) => r.method === "DELETE");
        assertEquals(deletes.length, 6);
        assertOk(!run.err.join("\n").includes(CF_TOKEN) && !text.includes(CF_TOKEN), "the token is never shown");

        const again = cli(p, { env: cfEnv(cf.url) });
        const second = await runDestroyCommand(again.ctx, { yes: true }, FAST);
        assertEquals(second.status, "nothing-to-delete");
        assertIncludes(
          again.out.join("\n"),
          "DNS: no records of this cluster (external-dns owner demo) in zone example.com.",
        );
        assertEquals(cf.requests.filter((r) => r.method === "DELETE").length, 6, "a second run deletes nothing");
      });
    });
  },
));

Deno.test(withFakes(
  "Cloudflare failing once the servers are gone is a warning naming the records left, and the next run removes them",
  async () => {
    await withProject(async (p) => {
      await withZone(async ({ cf, zoneId, demo, survivors }) => {
        let refuse = true;
        // Cloudflare answers the listing, then every delete fails (an outage after the servers are gone).
        const flaky: typeof fetch = (input, init) => {
          const url = String(input instanceof Request ? input.url : input);
          if (refuse && url.startsWith(cf.url) && init?.method === "DELETE") {
            return Promise.resolve(
              new Response(
                JSON.stringify({
                  success: false,
                  errors: [{ code: 10000, message: "Internal error" }],
                  messages: [],
                  result: null,
                }),
                { status: 500 },
              ),
            );
          }
          return fetch(input, init);
        };
        const run = cli(p, { env: cfEnv(cf.url) });
        const outcome = await runDestroyCommand(run.ctx, { yes: true }, { ...FAST, fetch: flaky });
        assertEquals(outcome.status, "deleted");
        assertEquals(listClusterResources(p.env.sim.state, "demo"), [], "the Hetzner part finished");
        assertEquals(outcome.dns!.deleted, []);
        assertEquals(outcome.dns!.left.length, 6);
        const warning = run.out.join("\n");
        assertMatch(
          warning,
          /^warning: 6 Cloudflare DNS record\(s\) of this cluster are left in zone example\.com: A argo\.example\.com, /m,
        );
        assertIncludes(warning, "Internal error (code 10000)); run destroy again");
        assertEquals(names(cf.records(zoneId)), [...demo, ...survivors].sort());

        refuse = false;
        const again = cli(p, { env: cfEnv(cf.url) });
        const second = await runDestroyCommand(again.ctx, { yes: true }, FAST);
        assertEquals(names(second.dns!.deleted), [...demo].sort());
        assertEquals(names(cf.records(zoneId)), [...survivors].sort());
      });
    });
  },
));
