import { assertEquals, assertOk, assertThrows } from "../../tests/assert.ts";
import { startCloudflareFake } from "../../tests/cloudflare_fake/mod.ts";
import { UsageError } from "../lib/errors.ts";
import { cloudflareClientFromEnv } from "./cloudflare_env.ts";
import { findZone } from "../cloudflare/mod.ts";

const envOf = (vars: Record<string, string>) => ({ env: (name: string) => vars[name] });

Deno.test("cloudflareClientFromEnv() is undefined without CF_API_TOKEN and refuses plain http off loopback", () => {
  assertEquals(cloudflareClientFromEnv(envOf({})), undefined);
  assertEquals(cloudflareClientFromEnv(envOf({ CF_API_TOKEN: "  " })), undefined);
  assertThrows(
    () => cloudflareClientFromEnv(envOf({ CF_API_TOKEN: "t", K8ZNER_CLOUDFLARE_URL: "http://cf.example.com/v4" })),
    (err: unknown) => err instanceof UsageError && err.message.includes("K8ZNER_CLOUDFLARE_URL"),
  );
});

Deno.test("cloudflareClientFromEnv() talks to K8ZNER_CLOUDFLARE_URL with CF_API_TOKEN", async () => {
  await using cf = await startCloudflareFake({ token: "env-token" });
  cf.addZone("example.com");
  const client = cloudflareClientFromEnv(envOf({ CF_API_TOKEN: "env-token", K8ZNER_CLOUDFLARE_URL: cf.url }));
  assertOk(client);
  assertEquals((await findZone(client, "example.com"))?.name, "example.com");
});
