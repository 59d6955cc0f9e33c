/** Catalog endpoints: server types, locations, load balancer types, pricing, system images, actions. */
import { assertEquals, assertMatch, assertOk } from "../assert.ts";
import { startHcloudSimulator } from "./mod.ts";
import { call } from "./test_client.ts";

Deno.test("current server types and all locations are listed", async () => {
  await using sim = await startHcloudSimulator();
  const types = (await call(sim.url, "GET", "/server_types?per_page=50")).body.server_types;
  const names = types.map((t: { name: string }) => t.name);
  for (const n of ["cx23", "cx33", "cx43", "cx53", "cpx22", "cpx32", "cpx42", "cpx52"]) assertOk(names.includes(n), n);
  const cx23 = types.find((t: { name: string }) => t.name === "cx23");
  assertEquals([cx23.cores, cx23.memory, cx23.disk, cx23.architecture, cx23.deprecated], [2, 4, 40, "x86", false]);
  assertEquals(cx23.locations.map((l: { name: string }) => l.name), ["fsn1", "nbg1", "hel1"]);
  const locations = (await call(sim.url, "GET", "/locations")).body.locations.map((l: { name: string }) => l.name);
  assertEquals(locations, ["fsn1", "nbg1", "hel1", "ash", "hil", "sin"]);
  assertEquals((await call(sim.url, "GET", "/server_types?name=cpx42")).body.server_types.length, 1);
  assertEquals(
    (await call(sim.url, "GET", "/load_balancer_types")).body.load_balancer_types.map((t: { name: string }) => t.name),
    ["lb11", "lb21", "lb31"],
  );
});

Deno.test("pricing uses EUR decimal strings, gross = net + 19 % VAT, per location", async () => {
  await using sim = await startHcloudSimulator();
  const p = (await call(sim.url, "GET", "/pricing")).body.pricing;
  assertEquals([p.currency, p.vat_rate], ["EUR", "19.00"]);
  const cx23 = p.server_types.find((t: { name: string }) => t.name === "cx23").prices;
  const fsn = cx23.find((x: { location: string }) => x.location === "fsn1");
  assertEquals(fsn.price_monthly, { net: "3.4900000000", gross: "4.1531000000000000" });
  assertMatch(fsn.price_hourly.net, /^0\.00\d{8}$/);
  const lb11 = p.load_balancer_types.find((t: { name: string }) => t.name === "lb11").prices;
  assertEquals(lb11.map((x: { location: string }) => x.location), ["fsn1", "nbg1", "hel1", "ash", "hil", "sin"]);
  const ipv4 = p.primary_ips.find((x: { type: string }) => x.type === "ipv4").prices[0];
  assertEquals(ipv4.price_monthly.net, "0.5000000000");
  assertMatch(p.image.price_per_gb_month.net, /^\d+\.\d{10}$/);
  const cpx22 = p.server_types.find((t: { name: string }) => t.name === "cpx22").prices;
  const ash = Number(cpx22.find((x: { location: string }) => x.location === "ash").price_monthly.net);
  assertOk(ash > Number(cpx22[0].price_monthly.net), "US prices are higher");
});

Deno.test("system images exist per architecture and resolve by name for the server type", async () => {
  await using sim = await startHcloudSimulator();
  const imgs = (await call(sim.url, "GET", "/images?name=debian-13")).body.images;
  assertEquals(imgs.map((i: { architecture: string; type: string }) => [i.type, i.architecture]), [
    ["system", "x86"],
    ["system", "arm"],
  ]);
  const arm = await call(sim.url, "POST", "/servers", { name: "a", server_type: "cax11", image: "debian-13" });
  assertEquals(arm.body.server.image.architecture, "arm");
  const del = await call(sim.url, "DELETE", `/images/${imgs[0].id}`);
  assertEquals([del.status, del.body.error.code], [403, "forbidden"]);
});

Deno.test("GET /actions needs ids and leaves unknown ones out", async () => {
  await using sim = await startHcloudSimulator();
  const res = await call(sim.url, "POST", "/servers", { name: "s", server_type: "cx23", image: "debian-13" });
  const listed = await call(sim.url, "GET", `/actions?id=${res.body.action.id}&id=1`);
  assertEquals(listed.body.actions.map((a: { id: number }) => a.id), [res.body.action.id]);
  assertEquals((await call(sim.url, "GET", "/actions")).body.error.code, "invalid_input");
  assertEquals((await call(sim.url, "GET", "/actions/1")).status, 404);
});
