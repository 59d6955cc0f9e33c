import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { seededRandom } from "../../tests/seeded_random.ts";
import { generateAdminKubeconfig } from "../talos/kubeconfig.ts";
import { generateSecretsBundle } from "../talos/secrets_bundle.ts";
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

Deno.test("setKubeconfigServer() changes only the current context's cluster", () => {
  const text = [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "  - name: other",
    "    cluster: { server: https://192.0.2.1:6443 }",
    "  - name: demo",
    "    cluster: { server: https://192.0.2.2:6443 }",
    "contexts:",
    "  - name: admin@demo",
    "    context: { cluster: demo, user: admin }",
    "current-context: admin@demo",
    "users: [{ name: admin, user: {} }]",
    "",
  ].join("\n");
  const moved = setKubeconfigServer(text, "https://192.0.2.9:6443");
  assertEquals(readKubeconfigFacts(moved)?.server, "https://192.0.2.9:6443");
  assertEquals(moved.includes("https://192.0.2.1:6443"), true);
  assertEquals(moved.includes("https://192.0.2.2:6443"), false);
});

Deno.test("setKubeconfigServer() refuses text without a current context and a server that is not a URL", () => {
  assertThrows(() => setKubeconfigServer("kind: Config\n", "https://192.0.2.9:6443"), TypeError, "no current context");
  assertThrows(() => setKubeconfigServer("kind: Config\n", "192.0.2.9"), TypeError, "not an http(s) URL");
});
