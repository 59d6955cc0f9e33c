import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { binary, requires } from "../../tests/requirements.ts";
import { generateCa, issueCertificate, parseCertificate, verifyIssuedBy } from "./pki.ts";
import { formatName, readCertificateDer } from "./certificate_der.ts";

const NOW = new Date("2026-03-01T12:00:00Z");
const OPENSSL = binary("openssl");

/** What `parseCertificate()` returned when it read certificates with `@peculiar/x509` (its code before the DER reader). */
function peculiarInfo(pem: string) {
  const cert = new x509.X509Certificate(pem);
  const basic = cert.getExtension(x509.BasicConstraintsExtension);
  const names = cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON() ?? [];
  return {
    subject: cert.subject,
    commonName: cert.subjectName.getField("CN")[0],
    organizations: cert.subjectName.getField("O"),
    issuer: cert.issuer,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    isCa: basic?.ca ?? false,
    dnsNames: names.filter((n) => n.type === "dns").map((n) => n.value),
    ipAddresses: names.filter((n) => n.type === "ip").map((n) => n.value),
    serialNumber: cert.serialNumber,
  };
}

function withoutKeyAlgorithm(pem: string) {
  const { keyAlgorithm: _, ...rest } = parseCertificate(pem);
  return rest;
}

async function peculiarVerify(certPem: string, caPem: string): Promise<boolean> {
  try {
    const cert = new x509.X509Certificate(certPem);
    const ca = new x509.X509Certificate(caPem);
    if (cert.issuer !== ca.subject) return false;
    return await cert.verify({ publicKey: ca.publicKey, signatureOnly: true });
  } catch {
    return false;
  }
}

async function openssl(args: string[], dir: string): Promise<void> {
  const out = await new Deno.Command(OPENSSL.path, { args, cwd: dir, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) throw new Error(`openssl ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
}

Deno.test("parseCertificate() reads k8zner's own certificates exactly as @peculiar/x509 does", async () => {
  const os = await generateCa({
    algorithm: "Ed25519",
    commonName: "talos",
    organization: "talos",
    notBefore: NOW,
    validityDays: 3650,
  });
  const k8s = await generateCa({
    algorithm: "ECDSA-P256",
    commonName: "kubernetes",
    notBefore: NOW,
    validityDays: 3650,
  });
  const leaf = await issueCertificate(k8s, {
    algorithm: "ECDSA-P256",
    commonName: " kube apiserver ",
    organization: ["system:masters", "a,b+c;<>=x", "#020101", "ünïcode", "line\nbreak\ttab\n"],
    dnsNames: ["kubernetes", "api.example.com"],
    ipAddresses: ["10.0.0.2", "203.0.113.7", "::1", "fd00::5", "2001:db8:0:0:1:0:0:1", "::", "1:0:2::"],
    usage: "server",
    notBefore: NOW,
    validityDays: 1,
  });
  const client = await issueCertificate(os, {
    algorithm: "Ed25519",
    commonName: "admin",
    organization: ["os:admin"],
    usage: "client",
    notBefore: NOW,
    validityDays: 365,
    random: (bytes) => bytes.fill(0),
  });
  for (const pem of [os.certPem, k8s.certPem, leaf.certPem, client.certPem]) {
    assertEquals(withoutKeyAlgorithm(pem), peculiarInfo(pem));
  }
  for (const [cert, ca] of [[leaf, k8s], [client, os], [leaf, os], [client, k8s], [os, os], [k8s, os]] as const) {
    assertEquals(await verifyIssuedBy(cert.certPem, ca.certPem), await peculiarVerify(cert.certPem, ca.certPem));
  }
  assertEquals(await verifyIssuedBy(leaf.certPem, k8s.certPem), true);
  assertEquals(await verifyIssuedBy(client.certPem, os.certPem), true);
});

Deno.test(requires([OPENSSL], {
  name: "parseCertificate() and verifyIssuedBy() agree with @peculiar/x509 on OpenSSL's certificates",
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      // RSA and P-384 CAs with multi-valued RDNs and other string types, a leaf valid past 2050 (GeneralizedTime).
      await openssl([
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "rsa.key",
        "-out",
        "rsa.crt",
        "-days",
        "30",
        "-subj",
        "/C=DE/O=Example, Inc./OU=a+OU=b/CN=RSA CA/emailAddress=ca@example.com",
        "-utf8",
        "-sha384",
      ], dir);
      await openssl(["ecparam", "-name", "secp384r1", "-genkey", "-noout", "-out", "p384.key"], dir);
      await openssl([
        "req",
        "-x509",
        "-key",
        "p384.key",
        "-out",
        "p384.crt",
        "-days",
        "30",
        "-subj",
        "/CN=Zürich CA/O=x",
        "-utf8",
        "-sha512",
      ], dir);
      await openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "leaf.key"], dir);
      await openssl(
        ["req", "-new", "-key", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=leaf/DC=example/DC=com"],
        dir,
      );
      await Deno.writeTextFile(`${dir}/ext`, "subjectAltName=DNS:a.example,IP:192.0.2.1,IP:2001:db8::1,email:x@y.z\n");
      for (const ca of ["rsa", "p384"]) {
        await openssl([
          "x509",
          "-req",
          "-in",
          "leaf.csr",
          "-CA",
          `${ca}.crt`,
          "-CAkey",
          `${ca}.key`,
          "-out",
          `leaf-${ca}.crt`,
          "-days",
          "10000",
          "-set_serial",
          "0x80aa",
          "-extfile",
          "ext",
        ], dir);
      }
      const read = (name: string) => Deno.readTextFile(`${dir}/${name}`);
      const certs = {
        rsa: await read("rsa.crt"),
        p384: await read("p384.crt"),
        leafRsa: await read("leaf-rsa.crt"),
        leafP384: await read("leaf-p384.crt"),
      };
      for (const pem of [certs.leafRsa, certs.leafP384]) assertEquals(withoutKeyAlgorithm(pem), peculiarInfo(pem));
      for (const pem of [certs.rsa, certs.p384]) {
        assertThrows(() => parseCertificate(pem), { name: "TypeError", message: /unsupported key algorithm/ });
        const der = new Uint8Array(new x509.X509Certificate(pem).rawData);
        assertEquals(formatName(readCertificateDer(der).subject), new x509.X509Certificate(pem).subject);
      }
      for (
        const [cert, ca] of [["leafRsa", "rsa"], ["leafP384", "p384"], ["leafRsa", "p384"], ["rsa", "rsa"]] as const
      ) {
        assertEquals(await verifyIssuedBy(certs[cert], certs[ca]), await peculiarVerify(certs[cert], certs[ca]));
      }
      assertEquals(await verifyIssuedBy(certs.leafRsa, certs.rsa), true);
      assertEquals(await verifyIssuedBy(certs.leafP384, certs.p384), true);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
}));

Deno.test("readCertificateDer() refuses what is not a certificate", () => {
  for (
    const bytes of [[], [0x30], [0x30, 0x03, 0x02, 0x01, 0x01], [0x30, 0x84, 0xff, 0xff, 0xff, 0xff], [0x04, 0x00]]
  ) {
    assertThrows(() => readCertificateDer(new Uint8Array(bytes)), {
      name: "TypeError",
      message: /Cannot read certificate/,
    });
  }
  assertThrows(() => parseCertificate("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), TypeError);
  assertThrows(() => parseCertificate("garbage"), { name: "TypeError", message: /Cannot parse certificate/ });
});
