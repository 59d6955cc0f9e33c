import { Buffer } from "node:buffer";
import { assertEquals, assertMatch, assertOk, assertThrows } from "../../tests/assert.ts";
import { binary, requires } from "../../tests/requirements.ts";
import {
  decodePem,
  generateCa,
  generatePrivateKey,
  issueCertificate,
  keyAlgorithmOfKey,
  keyMatchesCertificate,
  parseCertificate,
  toPkcs8KeyPem,
  toTalosKeyPem,
  verifyIssuedBy,
} from "./pki.ts";

const NOW = new Date("2026-03-01T12:00:00Z");

function fixedRandom(fill: number) {
  return (bytes: Uint8Array) => bytes.fill(fill);
}

const OPENSSL = binary("openssl");

async function openssl(args: string[], files: Record<string, string>): Promise<{ ok: boolean; out: string }> {
  const dir = await Deno.makeTempDir();
  try {
    for (const [name, text] of Object.entries(files)) await Deno.writeTextFile(`${dir}/${name}`, text);
    const out = await new Deno.Command(OPENSSL.path, { args, cwd: dir, stdout: "piped", stderr: "piped" }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    return { ok: out.success, out: text };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("generateCa() makes a self-signed Ed25519 CA with the injected validity and serial", async () => {
  const ca = await generateCa({
    algorithm: "Ed25519",
    commonName: "talos",
    organization: "talos",
    notBefore: NOW,
    validityDays: 3650,
    random: fixedRandom(0xff),
  });
  assertMatch(ca.certPem, /^-----BEGIN CERTIFICATE-----\n/);
  assertMatch(ca.keyPem, /^-----BEGIN PRIVATE KEY-----\n/);
  const info = parseCertificate(ca.certPem);
  assertEquals(info.isCa, true);
  assertEquals(info.commonName, "talos");
  assertEquals(info.organizations, ["talos"]);
  assertEquals(info.notBefore.toISOString(), NOW.toISOString());
  assertEquals(info.notAfter.toISOString(), "2036-02-27T12:00:00.000Z");
  assertEquals(info.keyAlgorithm, "Ed25519");
  assertEquals(info.serialNumber, "7f" + "ff".repeat(15));
  assertEquals(await verifyIssuedBy(ca.certPem, ca.certPem), true);
  assertEquals(await keyMatchesCertificate(ca.keyPem, ca.certPem), true);
});

Deno.test("issueCertificate() signs an os:admin client certificate an Ed25519 CA verifies", async () => {
  const ca = await generateCa({ algorithm: "Ed25519", commonName: "talos", notBefore: NOW, validityDays: 10 });
  const leaf = await issueCertificate(ca, {
    algorithm: "Ed25519",
    commonName: "admin",
    organization: ["os:admin"],
    usage: "client",
    notBefore: NOW,
    validityDays: 365,
  });
  const info = parseCertificate(leaf.certPem);
  assertEquals(info.isCa, false);
  assertEquals(info.commonName, "admin");
  assertEquals(info.organizations, ["os:admin"]);
  assertEquals(info.issuer, parseCertificate(ca.certPem).subject);
  assertEquals(await verifyIssuedBy(leaf.certPem, ca.certPem), true);
  assertEquals(await keyMatchesCertificate(leaf.keyPem, leaf.certPem), true);
});

Deno.test("issueCertificate() puts DNS and IP names into an ECDSA server certificate", async () => {
  const ca = await generateCa({ algorithm: "ECDSA-P256", commonName: "kubernetes", notBefore: NOW, validityDays: 10 });
  const leaf = await issueCertificate(ca, {
    algorithm: "ECDSA-P256",
    commonName: "kube-apiserver",
    dnsNames: ["kubernetes", "api.example.com"],
    ipAddresses: ["10.0.0.2", "203.0.113.7"],
    usage: "server",
    notBefore: NOW,
    validityDays: 1,
  });
  const info = parseCertificate(leaf.certPem);
  assertEquals(info.dnsNames, ["kubernetes", "api.example.com"]);
  assertEquals(info.ipAddresses, ["10.0.0.2", "203.0.113.7"]);
  assertEquals(info.keyAlgorithm, "ECDSA-P256");
  assertEquals(await verifyIssuedBy(leaf.certPem, ca.certPem), true);
});

Deno.test("verifyIssuedBy() is false for a certificate from another CA with the same name", async () => {
  const ca = await generateCa({ algorithm: "Ed25519", commonName: "talos", notBefore: NOW, validityDays: 10 });
  const other = await generateCa({ algorithm: "Ed25519", commonName: "talos", notBefore: NOW, validityDays: 10 });
  const leaf = await issueCertificate(other, {
    algorithm: "Ed25519",
    commonName: "admin",
    usage: "client",
    notBefore: NOW,
    validityDays: 1,
  });
  assertEquals(await verifyIssuedBy(leaf.certPem, ca.certPem), false);
  assertEquals(await verifyIssuedBy(leaf.certPem, other.certPem), true);
  assertEquals(await verifyIssuedBy("garbage", ca.certPem), false);
});

Deno.test("generateCa() and issueCertificate() reject bad validity and names", async () => {
  const bad = [
    { algorithm: "Ed25519" as const, commonName: "x", notBefore: new Date(NaN), validityDays: 1 },
    { algorithm: "Ed25519" as const, commonName: "x", notBefore: NOW, validityDays: 0 },
    { algorithm: "Ed25519" as const, commonName: "", notBefore: NOW, validityDays: 1 },
  ];
  for (const options of bad) {
    let threw = false;
    try {
      await generateCa(options);
    } catch (err) {
      threw = err instanceof TypeError || err instanceof RangeError;
    }
    assertOk(threw, `expected rejection for ${JSON.stringify(options)}`);
  }
});

Deno.test("toTalosKeyPem() writes the PEM headers Talos uses and toPkcs8KeyPem() reverses them", async () => {
  const ed = await generatePrivateKey("Ed25519");
  const ec = await generatePrivateKey("ECDSA-P256");
  const edTalos = toTalosKeyPem(ed);
  const ecTalos = toTalosKeyPem(ec);
  assertMatch(edTalos, /^-----BEGIN ED25519 PRIVATE KEY-----\n[\s\S]+-----END ED25519 PRIVATE KEY-----\n$/);
  assertMatch(ecTalos, /^-----BEGIN EC PRIVATE KEY-----\n[\s\S]+-----END EC PRIVATE KEY-----\n$/);
  // SEC1 with the curve named ([0] OID prime256v1), as Go's x509.ParseECPrivateKey requires.
  const sec1 = decodePem(ecTalos).der;
  const oid = [0xa0, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
  assertOk(Buffer.from(sec1).includes(Buffer.from(oid)), "SEC1 key names the P-256 curve");
  assertEquals(toPkcs8KeyPem(edTalos), ed);
  assertEquals(decodePem(toPkcs8KeyPem(ecTalos)).type, "PRIVATE KEY");
  assertEquals(keyAlgorithmOfKey(ecTalos), "ECDSA-P256");
  assertEquals(keyAlgorithmOfKey(edTalos), "Ed25519");
  assertThrows(() => toPkcs8KeyPem("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n"), /RSA/);
});

Deno.test("issueCertificate() accepts a CA key in Talos PEM form", async () => {
  const ca = await generateCa({ algorithm: "ECDSA-P256", commonName: "etcd", notBefore: NOW, validityDays: 10 });
  const talosCa = { certPem: ca.certPem, keyPem: toTalosKeyPem(ca.keyPem) };
  const leaf = await issueCertificate(talosCa, {
    algorithm: "ECDSA-P256",
    commonName: "peer",
    usage: "both",
    notBefore: NOW,
    validityDays: 1,
  });
  assertEquals(await verifyIssuedBy(leaf.certPem, ca.certPem), true);
});

Deno.test(requires([OPENSSL], {
  name: "openssl verify accepts leaf certificates from Ed25519 and ECDSA CAs for their purposes",
  fn: async () => {
    const verifyAt = String(Math.floor(NOW.getTime() / 1000) + 3600);
    for (const algorithm of ["Ed25519", "ECDSA-P256"] as const) {
      const ca = await generateCa({
        algorithm,
        commonName: "ca",
        organization: "k8zner",
        notBefore: NOW,
        validityDays: 2,
      });
      const client = await issueCertificate(ca, {
        algorithm,
        commonName: "admin",
        organization: ["os:admin"],
        usage: "client",
        notBefore: NOW,
        validityDays: 1,
      });
      const server = await issueCertificate(ca, {
        algorithm,
        commonName: "node",
        ipAddresses: ["10.0.1.1"],
        usage: "server",
        notBefore: NOW,
        validityDays: 1,
      });
      const files = { "ca.pem": ca.certPem, "client.pem": client.certPem, "server.pem": server.certPem };
      const base = ["verify", "-attime", verifyAt, "-CAfile", "ca.pem"];
      const c = await openssl([...base, "-purpose", "sslclient", "client.pem"], files);
      assertOk(c.ok, `${algorithm} client: ${c.out}`);
      const s = await openssl([...base, "-purpose", "sslserver", "server.pem"], files);
      assertOk(s.ok, `${algorithm} server: ${s.out}`);
      // A client certificate is not a server certificate.
      const wrong = await openssl([...base, "-purpose", "sslserver", "client.pem"], files);
      assertEquals(wrong.ok, false, `${algorithm}: client certificate accepted as server`);
      // Outside its validity it fails.
      const late = String(Math.floor(NOW.getTime() / 1000) + 3 * 86400);
      const expired = await openssl(["verify", "-attime", late, "-CAfile", "ca.pem", "client.pem"], files);
      assertEquals(expired.ok, false, `${algorithm}: expired certificate accepted`);
    }
  },
}));

Deno.test(requires([OPENSSL], {
  name: "openssl reads the PKCS#8 keys and the SEC1 EC key and they match their certificates",
  fn: async () => {
    const ca = await generateCa({ algorithm: "ECDSA-P256", commonName: "ca", notBefore: NOW, validityDays: 2 });
    const edCa = await generateCa({ algorithm: "Ed25519", commonName: "ca", notBefore: NOW, validityDays: 2 });
    const files = {
      "ec.key": toTalosKeyPem(ca.keyPem),
      "ec.crt": ca.certPem,
      "ed.key": edCa.keyPem,
      "ed.crt": edCa.certPem,
    };
    const ecPub = await openssl(["pkey", "-in", "ec.key", "-pubout"], files);
    const ecCertPub = await openssl(["x509", "-in", "ec.crt", "-noout", "-pubkey"], files);
    assertOk(ecPub.ok, ecPub.out);
    assertEquals(ecPub.out, ecCertPub.out);
    const edPub = await openssl(["pkey", "-in", "ed.key", "-pubout"], files);
    const edCertPub = await openssl(["x509", "-in", "ed.crt", "-noout", "-pubkey"], files);
    assertOk(edPub.ok, edPub.out);
    assertEquals(edPub.out, edCertPub.out);
  },
}));
