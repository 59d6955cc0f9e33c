import { assertEquals, assertMatch, assertThrows } from "../../../tests/assert.ts";
import { image, loadBalancer, server } from "../../../tests/hcloud_fixtures.ts";
import { PRICING } from "../../../tests/hcloud_pricing_fixture.ts";
import { expandSpec, type Spec } from "../../config/mod.ts";
import type { Image, LoadBalancer, Server } from "../../hcloud/mod.ts";
import { estimateCost, plannedCost, PricingError } from "./cost.ts";

const ha: Spec = { name: "demo", region: "fsn1", mode: "ha", workers: { count: 2, size: "cx33" }, backup: true };

Deno.test("plannedCost() prices control planes, workers, both load balancers, IPv4s, snapshot and backups", () => {
  const { lines } = plannedCost(expandSpec(ha), PRICING);
  assertEquals(
    lines.map((l) => [l.resource, l.detail, l.count, l.monthly.net]),
    [
      ["server cx23 (fsn1)", "control plane", 3, 10.47],
      ["server cx33 (fsn1)", "worker", 2, 10.98],
      ["load balancer lb11 (fsn1)", "Kubernetes API", 1, 5.39],
      ["load balancer lb11 (fsn1)", "ingress (created by the CCM)", 1, 5.39],
      ["primary IPv4 (fsn1)", "server", 5, 2.5],
      ["primary IPv6 (fsn1)", "server", 5, 0],
      ["snapshot storage", "Talos image, estimated, 1.00 GB", 1, 0.01],
      ["object storage", "etcd backups (bucket demo-etcd-backups)", 1, 4.99],
    ],
  );
  // Gross follows the API's gross prices; object storage adds the API's VAT rate to the list price.
  assertEquals(lines[0]!.monthly.gross, 12.46); // 3 x 4.1531, rounded once
  assertEquals(lines.at(-1)!.monthly.gross, 5.94);
});

Deno.test("plannedCost() leaves out object storage without backups and uses the built snapshot's size", () => {
  const dev: Spec = { name: "dev", region: "nbg1", mode: "dev", workers: { count: 1, size: "cpx22" } };
  const { lines, notes } = plannedCost(expandSpec(dev), PRICING, [{ ...image(5), image_size: 0.42 } as Image]);
  assertEquals(lines.some((l) => l.resource === "object storage"), false);
  assertEquals(lines.find((l) => l.resource === "snapshot storage")?.detail, "Talos image, 0.42 GB");
  assertEquals(notes, []);
});

Deno.test("plannedCost() names the missing price when the API does not list a type in the region", () => {
  const pricing = { ...PRICING, server_types: PRICING.server_types.filter((t) => t.name !== "cx33") };
  assertThrows(() => plannedCost(expandSpec(ha), pricing), (e: unknown) => {
    return e instanceof PricingError && /server type "cx33" in fsn1/.test(e.message);
  });
});

Deno.test("estimateCost() prices what exists and reports the delta", () => {
  const cp = (id: number) =>
    server(id, `demo-cp-${id}`, { "k8zner.io/cluster": "demo", "k8zner.io/role": "control-plane" });
  const servers = [cp(1), cp(2)] as unknown as Server[];
  const lbs = [loadBalancer(4, "demo-kube", { "k8zner.io/role": "kube-api" })] as unknown as LoadBalancer[];
  const report = estimateCost(expandSpec(ha), PRICING, { servers, loadBalancers: lbs, snapshots: [] });
  assertEquals(
    report.current.map((l) => [l.resource, l.detail, l.count, l.monthly.net]),
    [
      ["server cx23 (fsn1)", "control plane", 2, 6.98],
      ["load balancer lb11 (fsn1)", "Kubernetes API", 1, 5.39],
      ["primary IPv4 (fsn1)", "server", 2, 1],
    ],
  );
  assertEquals(report.totals.current.net, 13.37);
  assertEquals(report.totals.planned.net, 39.73);
  assertEquals(report.totals.delta.net, 26.36);
  assertEquals([report.currency, report.vatRate], ["EUR", 19]);
  assertMatch(report.notes.join("\n"), /Object Storage is not in GET \/pricing/);
});

Deno.test("estimateCost() totals are the sum of the cent amounts its lines show, with prices that drift", () => {
  // At 1.0044 a unit, 3.0132 and 1.0044 show as 3.01 and 1.00, but their exact sum (4.0176) rounds to 4.02:
  // totals added before rounding drift a cent away from the lines shown.
  const drift = (name: string, gross: string) => ({
    ...PRICING.server_types.find((t) => t.name === name)!,
    prices: PRICING.server_types.find((t) => t.name === name)!.prices.map((p) => ({
      ...p,
      price_monthly: { net: "1.0040", gross: gross },
    })),
  });
  const pricing = {
    ...PRICING,
    server_types: [
      ...PRICING.server_types.filter((t) => t.name !== "cx23" && t.name !== "cx33"),
      drift("cx23", "1.0044"),
      drift("cx33", "1.0044"),
    ],
  };
  const spec: Spec = { name: "demo", region: "fsn1", mode: "ha", workers: { count: 1, size: "cx33" } };
  const report = estimateCost(expandSpec(spec), pricing, { servers: [], loadBalancers: [], snapshots: [] });
  const cents = (n: number) => Math.round(n * 100);
  for (const key of ["net", "gross"] as const) {
    const shown = report.planned.reduce((s, l) => s + cents(l.monthly[key]), 0);
    assertEquals(cents(report.totals.planned[key]), shown, key);
    for (const l of report.planned) assertEquals(l.monthly[key], cents(l.monthly[key]) / 100, `${l.resource} ${key}`);
  }
  // 3 control planes at 1.0044 gross: 3.0132 rounds once to 3.01, the single worker to 1.00.
  assertEquals(report.planned.slice(0, 2).map((l) => l.monthly.gross), [3.01, 1]);
});
