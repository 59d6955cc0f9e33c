/**
 * A throwaway self-signed certificate for a fake API server on 127.0.0.1 (ECDSA P-256, one day), made by the
 * real `openssl`, so clients verify it as they would a real API server's. Tests that use it declare
 * {@link OPENSSL} in their requirements.
 *
 * @module
 */
import { binary } from "../requirements.ts";

export const OPENSSL = binary("openssl");

/** Writes `<dir>/<name>.crt` and `<dir>/<name>.key` for `subject` (default: 127.0.0.1 with that IP as SAN). */
export async function makeSelfSignedCert(
  dir: string,
  options: { name?: string; subject?: string; ipSan?: string } = {},
): Promise<{ certPem: string; keyPem: string; certPath: string; keyPath: string }> {
  const name = options.name ?? "server";
  const certPath = `${dir}/${name}.crt`;
  const keyPath = `${dir}/${name}.key`;
  const ipSan = options.ipSan === undefined && options.subject === undefined ? "127.0.0.1" : options.ipSan;
  const args = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    .concat(["-subj", `/CN=${options.subject ?? "127.0.0.1"}`])
    .concat(ipSan ? ["-addext", `subjectAltName=IP:${ipSan}`] : [])
    .concat(["-days", "1", "-keyout", keyPath, "-out", certPath]);
  const made = await new Deno.Command(OPENSSL.path, { args, stderr: "null" }).output();
  if (!made.success) throw new Error("openssl could not make a test certificate");
  return { certPem: await Deno.readTextFile(certPath), keyPem: await Deno.readTextFile(keyPath), certPath, keyPath };
}
