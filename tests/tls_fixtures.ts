/**
 * A server certificate for one host name, issued by a fresh ECDSA CA: what the TLS tests serve (doctor's
 * probes, the Traefik stand-in) when the CA itself does not matter beyond trusting it or not.
 *
 * @module
 */
import { generateCa, issueCertificate } from "../src/talos/pki.ts";

/** The CA and the leaf for `host`, both valid from `notBefore`; the leaf for `validityDays`, the CA for `caValidityDays`. */
export async function hostCertificate(
  host: string,
  options: { notBefore: Date; validityDays: number; caValidityDays: number; caName?: string },
) {
  const { notBefore } = options;
  const ca = await generateCa({
    algorithm: "ECDSA-P256",
    commonName: options.caName ?? "test ca",
    notBefore,
    validityDays: options.caValidityDays,
  });
  const leaf = await issueCertificate(ca, {
    algorithm: "ECDSA-P256",
    commonName: host,
    dnsNames: [host],
    usage: "server",
    notBefore,
    validityDays: options.validityDays,
  });
  return { ca, leaf };
}
