import { parse, stringify } from "yaml";
import { Buffer } from "node:buffer";
import { assertEquals, assertMatch, assertOk, assertRejects } from "../../tests/assert.ts";
import { issueCertificate, parseCertificate, verifyIssuedBy } from "./pki.ts";
import {
  generateSecretsBundle,
  loadSecretsBundle,
  renderSecretsBundle,
  saveSecretsBundle,
  type SecretsBundle,
  SecretsBundleError,
} from "./secrets_bundle.ts";
import { seededRandom } from "../../tests/seeded_random.ts";

const NOW = new Date("2026-03-01T00:00:00Z");

let shared: SecretsBundle | undefined;
async function bundle(): Promise<SecretsBundle> {
  shared ??= await generateSecretsBundle({ now: NOW, random: seededRandom(7) });
  return shared;
}

function b64pem(text: string, field: string): string {
  const doc = parse(text);
  let node = doc;
  for (const part of field.split(".")) node = node[part];
  return Buffer.from(node, "base64").toString("utf8");
}

async function expectBundleError(text: string, field: string, message: RegExp, now = NOW): Promise<void> {
  await assertRejects(() => loadSecretsBundle(text, { now }), (err: unknown) => {
    assertOk(err instanceof SecretsBundleError, `expected SecretsBundleError, got ${err}`);
    assertEquals(err.field, field);
    assertMatch(err.message, message);
    assertEquals(err.exitCode, 2);
    return true;
  });
}

function mutate(text: string, edit: (doc: Record<string, Record<string, unknown>>) => void): string {
  const doc = parse(text);
  edit(doc);
  return stringify(doc, { indent: 4, lineWidth: 0 });
}

Deno.test("generateSecretsBundle() makes tokens, secrets and CAs in the shapes Talos uses", async () => {
  const b = await bundle();
  assertMatch(b.secrets.bootstrapToken, /^[a-z0-9]{6}\.[a-z0-9]{16}$/);
  assertMatch(b.trustdToken, /^[a-z0-9]{6}\.[a-z0-9]{16}$/);
  assertEquals(Buffer.from(b.secrets.secretboxEncryptionSecret, "base64").length, 32);
  assertEquals(Buffer.from(b.cluster.secret, "base64").length, 32);
  assertMatch(b.cluster.id, /^[A-Za-z0-9_-]{43}=$/);
  const os = parseCertificate(b.certs.os.certPem);
  assertEquals([os.keyAlgorithm, os.isCa, os.organizations], ["Ed25519", true, ["talos"]]);
  assertEquals(os.notBefore.toISOString(), NOW.toISOString());
  assertEquals(os.notAfter.toISOString(), "2036-02-27T00:00:00.000Z");
  for (const ca of [b.certs.etcd, b.certs.k8s, b.certs.k8sAggregator]) {
    assertEquals(parseCertificate(ca.certPem).keyAlgorithm, "ECDSA-P256");
    assertMatch(ca.keyPem, /^-----BEGIN EC PRIVATE KEY-----\n/);
  }
  assertMatch(b.certs.os.keyPem, /^-----BEGIN ED25519 PRIVATE KEY-----\n/);
  assertMatch(b.certs.k8sServiceAccountKey, /^-----BEGIN EC PRIVATE KEY-----\n/);
});

Deno.test("generateSecretsBundle() draws tokens and secrets from the injected random source", async () => {
  const a = await generateSecretsBundle({ now: NOW, random: seededRandom(99) });
  const b = await generateSecretsBundle({ now: NOW, random: seededRandom(99) });
  assertEquals(a.cluster, b.cluster);
  assertEquals(a.secrets, b.secrets);
  assertEquals(a.trustdToken, b.trustdToken);
  assertEquals(parseCertificate(a.certs.os.certPem).serialNumber, parseCertificate(b.certs.os.certPem).serialNumber);
  assertOk(a.cluster.id !== (await bundle()).cluster.id);
});

Deno.test("renderSecretsBundle() writes the talosctl gen secrets layout", async () => {
  const text = renderSecretsBundle(await bundle());
  const lines = text.split("\n").filter((l) => l !== "").map((l) => l.replace(/: .*/, ":"));
  assertEquals(lines, [
    "cluster:",
    "    id:",
    "    secret:",
    "secrets:",
    "    bootstraptoken:",
    "    secretboxencryptionsecret:",
    "trustdinfo:",
    "    token:",
    "certs:",
    "    etcd:",
    "        crt:",
    "        key:",
    "    k8s:",
    "        crt:",
    "        key:",
    "    k8saggregator:",
    "        crt:",
    "        key:",
    "    k8sserviceaccount:",
    "        key:",
    "    os:",
    "        crt:",
    "        key:",
  ]);
  assertMatch(b64pem(text, "certs.os.key"), /^-----BEGIN ED25519 PRIVATE KEY-----/);
  assertMatch(b64pem(text, "certs.etcd.crt"), /^-----BEGIN CERTIFICATE-----/);
});

Deno.test("loadSecretsBundle() reads back what renderSecretsBundle() wrote, byte for byte", async () => {
  const text = renderSecretsBundle(await bundle());
  const loaded = await loadSecretsBundle(text, { now: new Date("2030-01-01T00:00:00Z") });
  assertEquals(loaded, await bundle());
  assertEquals(renderSecretsBundle(loaded), text);
});

Deno.test("a loaded OS CA still issues os:admin certificates that verify", async () => {
  const loaded = await loadSecretsBundle(renderSecretsBundle(await bundle()), { now: NOW });
  const admin = await issueCertificate(loaded.certs.os, {
    algorithm: "Ed25519",
    commonName: "admin",
    organization: ["os:admin"],
    usage: "client",
    notBefore: NOW,
    validityDays: 365,
  });
  assertEquals(await verifyIssuedBy(admin.certPem, loaded.certs.os.certPem), true);
});

Deno.test("loadSecretsBundle() names the missing or malformed field", async () => {
  const text = renderSecretsBundle(await bundle());
  await expectBundleError("cluster: [", "", /invalid YAML/);
  await expectBundleError("just text", "", /the document must be a mapping/);
  await expectBundleError(mutate(text, (d) => delete d.cluster), "cluster", /"cluster" must be a mapping, got missing/);
  await expectBundleError(mutate(text, (d) => delete d.cluster!.secret), "cluster.secret", /non-empty string/);
  await expectBundleError(
    mutate(text, (d) => (d.secrets!.bootstraptoken = "ABC.def")),
    "secrets.bootstraptoken",
    /abcdef\.0123456789abcdef/,
  );
  await expectBundleError(
    mutate(text, (d) => (d.secrets!.secretboxencryptionsecret = "c2hvcnQ=")),
    "secrets.secretboxencryptionsecret",
    /32 base64-encoded bytes/,
  );
  await expectBundleError(
    mutate(text, (d) => {
      delete d.secrets!.secretboxencryptionsecret;
      d.secrets!.aescbcencryptionsecret = "x";
    }),
    "secrets.aescbcencryptionsecret",
    /not supported/,
  );
  await expectBundleError(mutate(text, (d) => delete d.trustdinfo!.token), "trustdinfo.token", /non-empty/);
  await expectBundleError(
    mutate(text, (d) => ((d.certs!.os as Record<string, string>).crt = "bm90IGEgcGVt")),
    "certs.os.crt",
    /not base64 of a PEM block/,
  );
  await expectBundleError(
    mutate(text, (d) => delete (d.certs!.k8sserviceaccount as Record<string, string>).key),
    "certs.k8sserviceaccount.key",
    /non-empty string/,
  );
});

Deno.test("loadSecretsBundle() rejects a key that does not belong to its certificate", async () => {
  const text = renderSecretsBundle(await bundle());
  const swapped = mutate(text, (d) => {
    const etcd = d.certs!.etcd as Record<string, string>;
    etcd.key = (d.certs!.k8s as Record<string, string>).key!;
  });
  await expectBundleError(swapped, "certs.etcd.key", /does not belong to the certificate/);
  const wrongAlgorithm = mutate(text, (d) => {
    d.certs!.os = d.certs!.k8s;
  });
  await expectBundleError(wrongAlgorithm, "certs.os.crt", /uses ECDSA-P256, expected Ed25519/);
});

Deno.test("loadSecretsBundle() refuses expired and not-yet-valid CAs with the date", async () => {
  const text = renderSecretsBundle(await bundle());
  await expectBundleError(
    text,
    "certs.etcd.crt",
    /expired on 2036-02-27T00:00:00.000Z/,
    new Date("2036-03-01T00:00:00Z"),
  );
  await expectBundleError(text, "certs.etcd.crt", /not valid before 2026-03-01/, new Date("2026-02-01T00:00:00Z"));
});

Deno.test("saveSecretsBundle() writes a 0600 file in a 0700 directory", async () => {
  const root = await Deno.makeTempDir();
  try {
    const path = `${root}/secrets/secrets.yaml`;
    await saveSecretsBundle(path, await bundle());
    assertEquals((await Deno.stat(path)).mode! & 0o777, 0o600);
    assertEquals((await Deno.stat(`${root}/secrets`)).mode! & 0o777, 0o700);
    assertEquals(await Deno.readTextFile(path), renderSecretsBundle(await bundle()));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
