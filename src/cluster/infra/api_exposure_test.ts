import { assertEquals, assertIncludes } from "../../../tests/assert.ts";
import { expandSpec } from "../../config/mod.ts";
import { apiExposureWarning } from "./api_exposure.ts";

Deno.test("apiExposureWarning() says plainly that 6443 on a public API load balancer is open to the internet", () => {
  const desired = expandSpec({
    name: "demo",
    region: "fsn1",
    mode: "dev",
    workers: { count: 1, size: "cx33" },
    api_allowlist: ["198.51.100.0/24"],
  });
  const warning = apiExposureWarning(desired)!;
  assertIncludes(warning, "port 6443) on load balancer demo-kube is open to the whole internet");
  assertIncludes(warning, "protected by its credentials only");
  assertIncludes(warning, "api_allowlist");
  // It names the remedy, in words a user of the binary can follow (no repository paths).
  assertIncludes(warning, "`api_load_balancer: private` keeps 6443 behind the firewall");
  assertEquals(warning.includes("docs/"), false);
  const privateLb = structuredClone(desired);
  (privateLb.loadBalancer.request as { public_interface: boolean }).public_interface = false;
  assertEquals(apiExposureWarning(privateLb), undefined);
});
