import { parse } from "yaml";
import { assertEquals, assertThrows } from "../../../tests/assert.ts";
import { seededRandom } from "../../../tests/seeded_random.ts";
import { generateAdminKubeconfig } from "../../talos/kubeconfig.ts";
import { generateSecretsBundle } from "../../talos/secrets_bundle.ts";
import { readKubeconfigFacts, setKubeconfigServer } from "./kubeconfig_text.ts";

const NOW = new Date("2026-03-01T00:00:00Z");

Deno.test("setKubeconfigServer() moves the current context's server and keeps the credentials", async () => {
  const bundle = await generateSecretsBundle({ now: NOW, random: seededRandom(11) });
  const text = await generateAdminKubeconfig(bundle, {
    clusterName: "demo",
    endpoint: "https://198.51.100.1:6443",
    now: NOW,
  });
  const moved = setKubeconfigServer(text, "https://198.51.100.7:6443");
  const before = readKubeconfigFacts(text)!;
  const after = readKubeconfigFacts(moved)!;
  assertEquals(after.server, "https://198.51.100.7:6443");
  assertEquals(after.caPem, before.caPem);
  assertEquals(after.clientCertPem, before.clientCertPem);
  assertEquals(moved.replace("198.51.100.7", "198.51.100.1"), text, "nothing else changes");
  assertEquals(setKubeconfigServer(moved, "https://198.51.100.7:6443"), moved, "same server: same text");
});

Deno.test("setKubeconfigServer() changes only the current context's cluster server, comments kept", () => {
  const text = [
    "# kept: a comment the user wrote",
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
  const moved = setKubeconfigServer(text, "https://198.51.100.2:6443");
  const out = parse(moved);
  assertEquals(out.clusters[1].cluster, { server: "https://198.51.100.2:6443", "certificate-authority-data": "Q0E=" });
  assertEquals(out.clusters[0].cluster.server, "https://192.0.2.1:6443");
  assertEquals(out.users[0].user["client-certificate-data"], "Q0VSVA==");
  assertEquals(moved.startsWith("# kept: a comment the user wrote\n"), true);
});

Deno.test("setKubeconfigServer() refuses text without a current context and a server that is not a URL", () => {
  assertThrows(() => setKubeconfigServer("kind: Config\n", "https://192.0.2.9:6443"), TypeError, "no current context");
  assertThrows(() => setKubeconfigServer("kind: Config\n", "192.0.2.9"), TypeError, "not an http(s) URL");
});
