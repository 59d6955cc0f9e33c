/**
 * The certificate authorities standing in for Let's Encrypt in the local cloud: one for the production
 * ACME directory and one for staging, whose certificates no client trusts (as Let's Encrypt's staging
 * roots are not in any trust store). Clients trust the production one through the standard mechanism:
 * `DENO_CERT=<caFile>` adds it to Deno's roots (fetch, and `node:tls`, which doctor's probes use).
 *
 * @module
 */
import { type CertificateAuthority, generateCa } from "../../src/talos/pki.ts";

/** The two authorities and where the production root is written as PEM. */
export interface LocalAcmeCa {
  production: CertificateAuthority;
  staging: CertificateAuthority;
  /** The production root as a PEM file (for `DENO_CERT`). */
  caFile: string;
  /** The authority behind an ACME directory URL: staging for a `staging` URL, else production. */
  forServer(server: string): CertificateAuthority;
  /** Removes the file. */
  close(): Promise<void>;
}

/** Generates both roots (ECDSA P-256, valid from `now` minus a day for ten years) and writes the file. */
export async function createLocalAcmeCa(now: Date, dir?: string): Promise<LocalAcmeCa> {
  const notBefore = new Date(now.getTime() - 86_400_000);
  const production = await generateCa({
    algorithm: "ECDSA-P256",
    commonName: "Local Cloud ACME Root (stands for Let's Encrypt)",
    organization: "k8zner local cloud",
    notBefore,
    validityDays: 3650,
  });
  const staging = await generateCa({
    algorithm: "ECDSA-P256",
    commonName: "(STAGING) Local Cloud ACME Root",
    organization: "k8zner local cloud staging",
    notBefore,
    validityDays: 3650,
  });
  const folder = dir ?? await Deno.makeTempDir({ prefix: "k8zner-acme-ca-" });
  const caFile = `${folder}/local-acme-ca.pem`;
  await Deno.writeTextFile(caFile, production.certPem);
  return {
    production,
    staging,
    caFile,
    forServer: (server) => /staging/i.test(server) ? staging : production,
    close: async () => {
      await Deno.remove(dir === undefined ? folder : caFile, { recursive: true }).catch(() => {});
    },
  };
}
