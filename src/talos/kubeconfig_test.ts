import { Buffer } from "node:buffer";
import { assertEquals, assertRejects } from "../../tests/assert.ts";
import { seededRandom } from "../../tests/seeded_random.ts";
import { generateAdminKubeconfig } from "./kubeconfig.ts";
import { keyMatchesCertificate, parseCertificate, verifyIssuedBy } from "./pki.ts";
import { generateSecretsBundle } from "./secrets_bundle.ts";

const NOW = new Date("2026-03-01T00:00:00Z");
const secrets = await generateSecretsBundle({ now: NOW, random: seededRandom(6) });

Deno.test("generateAdminKubeconfig() is read by the Kubernetes client with a system:masters certificate", async () => {
  const text = await generateAdminKubeconfig(secrets, {
    clusterName: "demo",
    endpoint: "https://203.0.113.10:6443",
    now: NOW,
  });
  const { KubeConfig } = await import("@kubernetes/client-node");
  const kc = new KubeConfig();
  kc.loadFromString(text);
  assertEquals(kc.getCurrentContext(), "admin@demo");
  assertEquals(kc.getCurrentCluster()?.server, "https://203.0.113.10:6443");
  const caPem = Buffer.from(kc.getCurrentCluster()!.caData!, "base64").toString();
  assertEquals(caPem, secrets.certs.k8s.certPem);
  const user = kc.getCurrentUser()!;
  const certPem = Buffer.from(user.certData!, "base64").toString();
  const keyPem = Buffer.from(user.keyData!, "base64").toString();
  const cert = parseCertificate(certPem);
  assertEquals([cert.commonName, cert.organizations], ["admin", ["system:masters"]]);
  assertEquals(await verifyIssuedBy(certPem, secrets.certs.k8s.certPem), true);
  assertEquals(await keyMatchesCertificate(keyPem, certPem), true);
});

Deno.test("generateAdminKubeconfig() refuses a non-https endpoint", async () => {
  await assertRejects(
    () => generateAdminKubeconfig(secrets, { clusterName: "demo", endpoint: "http://x:6443", now: NOW }),
    /must be an https:\/\/ URL/,
  );
});
