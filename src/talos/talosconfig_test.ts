import { Buffer } from "node:buffer";
import { parse } from "yaml";
import { assertEquals, assertMatch, assertOk, assertThrows } from "../../tests/assert.ts";
import { seededRandom } from "../../tests/seeded_random.ts";
import { keyMatchesCertificate, parseCertificate, verifyIssuedBy } from "./pki.ts";
import { generateSecretsBundle } from "./secrets_bundle.ts";
import { generateTalosconfig, parseTalosconfig, renderTalosconfig } from "./talosconfig.ts";
import { binary, requires } from "../../tests/requirements.ts";

const NOW = new Date("2026-03-01T00:00:00Z");
const OPENSSL = binary("openssl");
const secrets = await generateSecretsBundle({ now: NOW, random: seededRandom(5) });

Deno.test("generateTalosconfig() writes a talosctl context with an os:admin client certificate from the OS CA", async () => {
  const text = await generateTalosconfig(secrets, {
    clusterName: "demo",
    endpoints: ["203.0.113.10"],
    nodes: ["10.0.0.2"],
    now: NOW,
  });
  const doc = parse(text);
  assertEquals(doc.context, "demo");
  assertEquals(Object.keys(doc.contexts), ["demo"]);
  assertEquals(doc.contexts.demo.endpoints, ["203.0.113.10"]);
  assertEquals(doc.contexts.demo.nodes, ["10.0.0.2"]);
  assertEquals(Buffer.from(doc.contexts.demo.ca, "base64").toString(), secrets.certs.os.certPem);
  assertMatch(Buffer.from(doc.contexts.demo.key, "base64").toString(), /^-----BEGIN ED25519 PRIVATE KEY-----\n/);

  const creds = parseTalosconfig(text);
  const cert = parseCertificate(creds.certPem);
  assertEquals(cert.organizations, ["os:admin"]);
  assertEquals(cert.isCa, false);
  assertEquals(cert.notBefore.toISOString(), NOW.toISOString());
  assertEquals(cert.notAfter.toISOString(), "2027-03-01T00:00:00.000Z");
  assertEquals(await verifyIssuedBy(creds.certPem, secrets.certs.os.certPem), true);
  assertMatch(creds.keyPem, /^-----BEGIN PRIVATE KEY-----\n/);
  assertEquals(await keyMatchesCertificate(creds.keyPem, creds.certPem), true);
});

Deno.test(requires([OPENSSL], {
  name: "the talosconfig client certificate has exactly the client-auth purpose apid requires",
  fn: async () => {
    const creds = parseTalosconfig(
      await generateTalosconfig(secrets, {
        clusterName: "demo",
        endpoints: ["1.2.3.4"],
        now: NOW,
        roles: ["os:reader"],
      }),
    );
    assertEquals(parseCertificate(creds.certPem).organizations, ["os:reader"]);
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(`${dir}/ca.pem`, creds.caPem);
      await Deno.writeTextFile(`${dir}/crt.pem`, creds.certPem);
      const text = await new Deno.Command(OPENSSL.path, {
        args: ["x509", "-in", `${dir}/crt.pem`, "-noout", "-ext", "extendedKeyUsage"],
        stdout: "piped",
        stderr: "null",
      }).output().then((o) => new TextDecoder().decode(o.stdout));
      assertMatch(text, /TLS Web Client Authentication/);
      assertOk(!text.includes("Server"), text);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
}));

Deno.test("parseTalosconfig() names what is missing", async () => {
  const good = await generateTalosconfig(secrets, { clusterName: "demo", endpoints: ["1.2.3.4"], now: NOW });
  assertThrows(() => parseTalosconfig(good, "other"), /context "other" not found/);
  assertThrows(() => parseTalosconfig("contexts: {}\n"), /no current context/);
  assertThrows(() => parseTalosconfig(good.replace(/crt: .*/, "crt: ''")), /contexts\.demo\.crt is missing/);
  assertThrows(() => parseTalosconfig(good.replace(/ca: .*/, "ca: bm9wZQ==")), /contexts\.demo\.ca is not base64/);
  assertThrows(
    () => renderTalosconfig({ ...parseTalosconfig(good), endpoints: [] }),
    /endpoints are empty/,
  );
});
