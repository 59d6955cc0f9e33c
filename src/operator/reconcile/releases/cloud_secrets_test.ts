import { assertEquals, assertIncludes, assertOk } from "../../../../tests/assert.ts";
import { NETWORK_ID, startAddonsWorld, TOKEN } from "../../../../tests/operator/addons_fixture.ts";
import type { KubeObject } from "../../../kube/mod.ts";
import { ensureCloudSecrets } from "./cloud_secrets.ts";

const data = (secret: KubeObject | undefined, key: string) =>
  atob(((secret?.data ?? {}) as Record<string, string>)[key] ?? "");

Deno.test("ensureCloudSecrets() creates the CSI passphrase once and never regenerates it; the hcloud Secret follows token and network", async () => {
  await using world = await startAddonsWorld();
  world.randomByte = 0xab;
  assertEquals(await ensureCloudSecrets(await world.context(), NETWORK_ID), {
    hcloudApplied: true,
    passphraseCreated: true,
  });
  const first = await world.kube.get("v1", "Secret", "hcloud-csi-secret", "kube-system");
  const passphrase = data(first, "encryption-passphrase");
  assertEquals(passphrase, "ab".repeat(32));

  // Later passes (another random source, a restart): nothing is written.
  world.randomByte = 0xcd;
  world.memory = new Map();
  const writes = () => world.api.requests.filter((r) => r.method !== "GET").length;
  const before = writes();
  for (let i = 0; i < 3; i++) {
    assertEquals(await ensureCloudSecrets(await world.context(), NETWORK_ID), {
      hcloudApplied: false,
      passphraseCreated: false,
    });
  }
  assertEquals(writes(), before);
  const again = await world.kube.get("v1", "Secret", "hcloud-csi-secret", "kube-system");
  assertEquals(data(again, "encryption-passphrase"), passphrase);

  // Another network ID is applied to the hcloud Secret; the passphrase stays.
  assertEquals((await ensureCloudSecrets(await world.context(), 99)).hcloudApplied, true);
  const hcloud = await world.kube.get("v1", "Secret", "hcloud", "kube-system");
  assertEquals([data(hcloud, "token"), data(hcloud, "network")], [TOKEN, "99"]);
  assertEquals(
    data(await world.kube.get("v1", "Secret", "hcloud-csi-secret", "kube-system"), "encryption-passphrase"),
    passphrase,
  );

  // A Secret someone emptied is not replaced: that would lock existing volumes out.
  await world.kube.replace({ ...again!, data: {} });
  const err = await ensureCloudSecrets(await world.context(), 99).then(() => undefined, (e) => e);
  assertIncludes(String(err?.message), 'has no key "encryption-passphrase"');
  for (const line of world.logs) {
    assertOk(!line.includes(TOKEN) && !line.includes(passphrase), "no secret in the logs");
  }
  const events = await world.events();
  assertEquals(events.filter((e) => e.reason === "EncryptionSecretCreated").length, 1);
  assertOk(events.every((e) => !e.message.includes(passphrase)));
});
