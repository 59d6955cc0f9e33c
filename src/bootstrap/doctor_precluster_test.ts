import { assertEquals } from "../../tests/assert.ts";
import { expandSpec } from "../config/mod.ts";
import type { HcloudClient, ServerType } from "../hcloud/mod.ts";
import { HcloudError } from "../hcloud/mod.ts";
import { runPreClusterChecks } from "./doctor_precluster.ts";

const NOW = new Date("2026-03-01T00:00:00Z");
const desired = expandSpec({
  name: "demo",
  region: "fsn1",
  mode: "dev",
  workers: { count: 1, size: "cpx32" },
  api_allowlist: ["198.51.100.0/24"],
});

function type(name: string, extra: Partial<ServerType> = {}): ServerType {
  return {
    id: 1,
    name,
    cores: 2,
    memory: 4,
    disk: 40,
    prices: [],
    storage_type: "local",
    cpu_type: "shared",
    architecture: "x86",
    deprecation: null,
    locations: [{ id: 1, name: "fsn1", deprecation: null, recommended: true, available: true }],
    ...extra,
  };
}

/** Only the calls the pre-cluster checks make; anything else would throw. */
function client(types: ServerType[], remaining = 3500, fail?: HcloudError): HcloudClient {
  const fsn1 = {
    id: 1,
    name: "fsn1",
    description: "Falkenstein DC Park 1",
    country: "DE",
    city: "Falkenstein",
    latitude: 0,
    longitude: 0,
    network_zone: "eu-central",
  };
  return {
    endpoint: "https://api.hetzner.cloud/v1",
    locations: { listAll: () => (fail ? Promise.reject(fail) : Promise.resolve([fsn1])) },
    serverTypes: { listAll: () => Promise.resolve(types) },
    servers: { list: () => Promise.resolve({ items: [], pagination: { total_entries: 4 } }) },
    budget: {
      snapshot: () => ({ limit: 3600, remaining, resetAt: 0, requests: { total: 3, byMethod: {} }, throttledMs: 0 }),
    },
  } as unknown as HcloudClient;
}

const run = (hc: HcloudClient) =>
  runPreClusterChecks(
    { hc, detectCallerIp: () => Promise.reject(new Error("unused")), ipUrl: "x", now: () => NOW },
    desired,
  );

Deno.test("server types: deprecated but orderable warns, retired or unavailable in the region fails, arm fails", async () => {
  const announced = { announced: "2026-01-01T00:00:00Z", unavailable_after: "2026-06-01T00:00:00Z" };
  const retired = { announced: "2025-01-01T00:00:00Z", unavailable_after: "2026-02-01T00:00:00Z" };
  const cases: [ServerType, string, string][] = [
    [type("cx23"), "ok", "2 vCPU, 4 GB RAM, 40 GB disk, available in fsn1"],
    [
      type("cx23", { deprecation: announced }),
      "warn",
      "2 vCPU, 4 GB RAM, 40 GB disk; deprecated, orderable until 2026-06-01",
    ],
    [type("cx23", { deprecation: retired }), "fail", "no longer orderable in fsn1 (unavailable since 2026-02-01)"],
    [
      type("cx23", { locations: [{ id: 1, name: "fsn1", deprecation: null, recommended: false, available: false }] }),
      "fail",
      "not available in fsn1 right now",
    ],
    [type("cx23", { architecture: "arm" }), "fail", "arm, but the Talos image is built for x86"],
  ];
  for (const [cx23, status, detail] of cases) {
    const checks = await run(client([cx23, type("cpx32")]));
    const check = checks.find((c) => c.id === "hcloud.server_type.cx23")!;
    assertEquals([check.status, check.detail], [status, detail]);
    assertEquals(checks.find((c) => c.id === "hcloud.server_type.cpx32")?.status, "ok");
  }
  const missing = await run(client([type("cx23")]));
  assertEquals(missing.find((c) => c.id === "hcloud.server_type.cpx32")?.detail, "the API does not know it");
});

Deno.test("limits: the remaining hourly budget and the server count; a low budget warns", async () => {
  const ok = (await run(client([type("cx23"), type("cpx32")]))).find((c) => c.id === "hcloud.limits")!;
  assertEquals(ok.status, "ok");
  assertEquals(
    ok.detail.startsWith("API budget 3500/3600 requests left this hour; 4 server(s) in the project, 2 planned"),
    true,
  );
  const low = (await run(client([type("cx23"), type("cpx32")], 50))).find((c) => c.id === "hcloud.limits")!;
  assertEquals(low.status, "warn");
});

Deno.test("a refused token fails once and the checks that need it are skipped; a configured allowlist still passes", async () => {
  const refused = new HcloudError({
    code: "unauthorized",
    message: "unable to authenticate",
    status: 401,
    request: "GET /locations",
  });
  const checks = await run(client([], 3600, refused));
  assertEquals(checks.map((c) => [c.id, c.status]), [
    ["hcloud.token", "fail"],
    ["hcloud.region", "skip"],
    ["hcloud.server_types", "skip"],
    ["access.allowlist", "ok"],
  ]);
});
