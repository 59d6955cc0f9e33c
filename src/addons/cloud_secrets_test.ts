import { Buffer } from "node:buffer";
import { assertEquals, assertNotEquals, assertThrows } from "../../tests/assert.ts";
import { seededRandom } from "../../tests/seeded_random.ts";
import {
  CLOUDFLARE_SECRET_NAME,
  CLOUDFLARE_TOKEN_KEY,
  CSI_ENCRYPTION_SECRET,
  generatePassphrase,
  HCLOUD_SECRET,
  renderCloudflareSecret,
  renderCsiEncryptionSecret,
  renderHcloudSecret,
} from "./cloud_secrets.ts";

const decode = (data: unknown) =>
  Object.fromEntries(
    Object.entries(data as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]),
  );

Deno.test("renderHcloudSecret() holds the token and the network ID as a decimal string, labelled as ours", () => {
  const secret = renderHcloudSecret("tok-123", 4711);
  assertEquals(
    [secret.kind, secret.metadata.namespace, secret.metadata.name, secret.type],
    ["Secret", HCLOUD_SECRET.namespace, HCLOUD_SECRET.name, "Opaque"],
  );
  assertEquals(decode(secret.data), { network: "4711", token: "tok-123" });
  assertEquals(secret.metadata.labels, { "app.kubernetes.io/managed-by": "k8zner", "k8zner.io/managed-by": "k8zner" });
});

Deno.test("renderHcloudSecret() refuses an empty token or a network ID that is not a positive integer", () => {
  assertThrows(() => renderHcloudSecret("", 1), RangeError);
  for (const id of [0, -1, 1.5, Number.NaN]) assertThrows(() => renderHcloudSecret("t", id), RangeError);
});

Deno.test("renderCsiEncryptionSecret() holds the passphrase under encryption-passphrase", () => {
  const secret = renderCsiEncryptionSecret("p".repeat(64));
  assertEquals([secret.metadata.namespace, secret.metadata.name], [
    CSI_ENCRYPTION_SECRET.namespace,
    "hcloud-csi-secret",
  ]);
  assertEquals(decode(secret.data), { "encryption-passphrase": "p".repeat(64) });
  assertThrows(() => renderCsiEncryptionSecret(""), RangeError);
});

Deno.test("generatePassphrase() is 32 bytes of the injected random source as 64 hex digits", () => {
  const fill = seededRandom(7);
  const random = (n: number) => fill(new Uint8Array(n));
  const first = generatePassphrase(random);
  assertEquals(/^[0-9a-f]{64}$/.test(first), true, first);
  assertEquals(first, Buffer.from(seededRandom(7)(new Uint8Array(32))).toString("hex"));
  assertNotEquals(generatePassphrase(random), first);
  assertThrows(() => generatePassphrase(() => new Uint8Array(16)), RangeError);
});

Deno.test("renderCloudflareSecret() holds the token under api-token in the namespace given", () => {
  const secret = renderCloudflareSecret("external-dns", "cf-token");
  assertEquals([secret.metadata.namespace, secret.metadata.name, secret.type], [
    "external-dns",
    CLOUDFLARE_SECRET_NAME,
    "Opaque",
  ]);
  assertEquals(decode(secret.data), { [CLOUDFLARE_TOKEN_KEY]: "cf-token" });
  assertThrows(() => renderCloudflareSecret("external-dns", ""), RangeError);
  assertThrows(() => renderCloudflareSecret("", "cf-token"), RangeError);
});
