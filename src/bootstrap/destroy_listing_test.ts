import { assertEquals, assertIncludes } from "../../tests/assert.ts";
import type { DestroyPlan } from "../cluster/destroy/plan.ts";
import type { DestroyListing, DestroyOutcome } from "./destroy_command.ts";
import { renderDestroyJson, renderDestroyListing, renderDestroyResult } from "./destroy_listing.ts";

const EMPTY_PLAN: DestroyPlan = {
  cluster: "demo",
  servers: [],
  loadBalancers: [],
  firewalls: [],
  volumes: [],
  primaryIps: [],
  placementGroups: [],
  networks: [],
  sshKeys: [],
};

function listing(overrides: Partial<DestroyListing> = {}): DestroyListing {
  return {
    cluster: "demo",
    plan: EMPTY_PLAN,
    items: [
      { kind: "server", name: "demo-cp-1", id: 40000001, detail: "cx23, 203.0.113.2" },
      { kind: "network", name: "demo", id: 3000001, detail: "10.0.0.0/16" },
    ],
    cost: {
      currency: "EUR",
      total: { net: 3.99, gross: 4.7481 },
      lines: [
        {
          resource: "server cx23 (fsn1)",
          detail: "control plane",
          count: 1,
          unit: { net: 3.49, gross: 4.1531 },
          monthly: { net: 3.49, gross: 4.1531 },
        },
        {
          resource: "primary IPv6 (fsn1)",
          detail: "server",
          count: 1,
          unit: { net: 0, gross: 0 },
          monthly: { net: 0, gross: 0 },
        },
      ],
    },
    notes: [],
    secretsDir: "/work/x/secrets/demo",
    secretsDirExists: true,
    dns: undefined,
    kept: [],
    ...overrides,
  };
}

Deno.test("the listing aligns kind, name and id, prices what is billed and leaves free lines out", () => {
  const text = renderDestroyListing(listing(), "./secrets/demo");
  assertEquals(text.split("\n").slice(0, 5), [
    'Cluster "demo": 2 resource(s) labelled k8zner.io/cluster=demo will be deleted:',
    "",
    "  KIND     NAME       ID        DETAIL",
    "  server   demo-cp-1  40000001  cx23, 203.0.113.2",
    "  network  demo       3000001   10.0.0.0/16",
  ]);
  assertIncludes(text, "Monthly cost freed: EUR 3.99 net (4.75 gross), from live Hetzner prices:");
  assertIncludes(text, "  server cx23 (fsn1), control plane: 1 x 3.49 = 3.49 net");
  assertEquals(text.includes("IPv6"), false);
  assertIncludes(text, "and ./secrets/demo/ (credentials; --purge-secrets removes them).");
});

Deno.test("an unknown price is a note, and an empty listing says there is nothing to delete", () => {
  const text = renderDestroyListing(listing({ cost: undefined, notes: ["The freed cost is unknown: HTTP 503"] }), "s");
  assertIncludes(text, "note: The freed cost is unknown: HTTP 503");
  assertEquals(text.includes("Monthly cost freed"), false);
  assertEquals(
    renderDestroyListing(listing({ items: [] }), "s"),
    "Nothing to delete: no Hetzner resources labelled k8zner.io/cluster=demo.",
  );
});

Deno.test("the result names what happened to the credentials, and the JSON rounds money to cents", () => {
  const outcome: DestroyOutcome = { status: "deleted", listing: listing(), deleted: 2, secrets: "removed" };
  assertEquals(
    renderDestroyResult(outcome, "./secrets/demo"),
    'Cluster "demo" destroyed: 2 resource(s) deleted.\nRemoved ./secrets/demo/.',
  );
  const doc = JSON.parse(renderDestroyJson(outcome, "./secrets/demo"));
  assertEquals([doc.status, doc.monthly_cost_freed.net, doc.monthly_cost_freed.gross], ["deleted", 3.99, 4.75]);
  assertEquals(doc.items[0], { kind: "server", name: "demo-cp-1", id: 40000001, detail: "cx23, 203.0.113.2" });
  assertEquals(renderDestroyResult({ ...outcome, status: "dry-run", secrets: "kept" }, "s"), "");
});
