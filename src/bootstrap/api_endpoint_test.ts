import { parse } from "yaml";
import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { expandSpec } from "../config/mod.ts";
import { cliApiServerUrl, withKubeconfigServer } from "./api_endpoint.ts";

const spec = {
  name: "n1",
  region: "nbg1" as const,
  mode: "dev" as const,
  workers: { count: 1, size: "cx23" as const },
};

Deno.test("cliApiServerUrl() is the load balancer when public, a control plane's public IPv4 when private", () => {
  const addresses = { lbPublicIpv4: "203.0.113.50", controlPlaneIpv4: "198.51.100.2" };
  assertEquals(cliApiServerUrl(expandSpec(spec), addresses), "https://203.0.113.50:6443");
  assertEquals(
    cliApiServerUrl(expandSpec({ ...spec, api_load_balancer: "private" }), { ...addresses, lbPublicIpv4: null }),
    "https://198.51.100.2:6443",
  );
  assertThrows(() => cliApiServerUrl(expandSpec(spec), { ...addresses, lbPublicIpv4: null }), TypeError);
});

Deno.test("withKubeconfigServer() changes only the current context's cluster server", () => {
  const text = [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "  - name: other",
    "    cluster: { server: https://192.0.2.1:6443 }",
    "  - name: n1",
    "    cluster:",
    "      server: https://10.0.0.254:6443",
    "      certificate-authority-data: Q0E=",
    "contexts:",
    "  - name: admin@n1",
    "    context: { cluster: n1, user: admin@n1 }",
    "current-context: admin@n1",
    "users:",
    "  - name: admin@n1",
    "    user: { client-certificate-data: Q0VSVA== }",
    "",
  ].join("\n");
  const out = parse(withKubeconfigServer(text, "https://198.51.100.2:6443"));
  assertEquals(out.clusters[1].cluster, {
    server: "https://198.51.100.2:6443",
    "certificate-authority-data": "Q0E=",
  });
  assertEquals(out.clusters[0].cluster.server, "https://192.0.2.1:6443");
  assertEquals(out.users[0].user["client-certificate-data"], "Q0VSVA==");
  assertThrows(() => withKubeconfigServer("apiVersion: v1\nkind: Config\n", "https://x:6443"), TypeError);
});
