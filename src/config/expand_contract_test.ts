/**
 * The request bodies expandSpec() produces are valid `POST` bodies per Hetzner's OpenAPI document
 * (`../shared/contracts/hcloud-openapi.json`, OpenAPI 3.1 = JSON Schema 2020-12). Skips with a
 * printed reason when the contracts folder is absent.
 */
import Ajv2020 from "ajv/dist/2020";
import { assertEquals } from "../../tests/assert.ts";
import { expandSpec } from "./expand.ts";
import type { Spec } from "./spec.ts";
import { requires, sharedFile } from "../../tests/requirements.ts";

const HCLOUD_OPENAPI = sharedFile("contracts/hcloud-openapi.json");
const openapi: Record<string, unknown> | undefined = HCLOUD_OPENAPI.missing
  ? undefined
  : JSON.parse(Deno.readTextFileSync(HCLOUD_OPENAPI.path));

function requestValidator(path: string) {
  // deno-lint-ignore no-explicit-any
  const ajv = new (Ajv2020 as any)({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema({ ...openapi, $id: "hcloud" });
  const pointer = `/paths/${path.replaceAll("/", "~1")}/post/requestBody/content/application~1json/schema`;
  return ajv.getSchema(`hcloud#${pointer}`);
}

const spec: Spec = {
  name: "contract",
  region: "fsn1",
  mode: "ha",
  workers: { count: 3, size: "cx33" },
  api_allowlist: ["203.0.113.0/24"],
};

Deno.test(requires([HCLOUD_OPENAPI], {
  name: "network, firewall, load balancer and placement group bodies validate against Hetzner's OpenAPI",
  fn() {
    const state = expandSpec(spec);
    const bodies: Array<[string, unknown]> = [
      ["/networks", state.network.request],
      ["/firewalls", state.firewall.request],
      ["/load_balancers", state.loadBalancer.request],
      ...state.placementGroups.map((g) => ["/placement_groups", g.request] as [string, unknown]),
    ];
    for (const [path, body] of bodies) {
      const validate = requestValidator(path);
      const ok = validate(body);
      assertEquals(ok, true, `${path}: ${JSON.stringify(validate.errors)}`);
    }
  },
}));

Deno.test(requires([HCLOUD_OPENAPI], {
  name: "a server plan plus image, network and placement group IDs is a valid POST /servers body",
  fn() {
    const validate = requestValidator("/servers");
    for (const s of expandSpec(spec).servers) {
      const body = {
        name: s.name,
        server_type: s.server_type,
        location: s.location,
        image: "123",
        labels: s.labels,
        public_net: s.public_net,
        placement_group: 1,
        networks: [1],
      };
      assertEquals(validate(body), true, `${s.name}: ${JSON.stringify(validate.errors)}`);
    }
  },
}));
