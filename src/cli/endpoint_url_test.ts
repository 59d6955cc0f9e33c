import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { UsageError } from "../lib/errors.ts";
import { checkEndpointUrl, isLoopbackHost } from "./endpoint_url.ts";

Deno.test("checkEndpointUrl() accepts https anywhere and plain http only to loopback hosts", () => {
  for (
    const ok of [
      "https://api.hetzner.cloud/v1",
      "https://203.0.113.7:8443/ip",
      "http://127.0.0.1:8080/v1",
      "http://127.45.6.7/ip",
      "http://localhost:9000/v1",
      "http://[::1]:8080/v1",
    ]
  ) {
    assertEquals(checkEndpointUrl("HCLOUD_ENDPOINT", ok), ok);
  }
});

Deno.test("checkEndpointUrl() refuses plain http to another host with a usage error naming the variable", () => {
  for (
    const bad of [
      "http://api.hetzner.cloud/v1",
      "http://10.0.0.1/ip",
      "http://128.0.0.1/v1",
      "http://127.0.0.1.evil.example/v1",
      "http://localhost.evil.example/v1",
      "http://[::2]/v1",
    ]
  ) {
    assertThrows(
      () => checkEndpointUrl("K8ZNER_IP_URL", bad),
      (err: unknown) =>
        err instanceof UsageError && err.message.startsWith(`Cannot use K8ZNER_IP_URL "${bad}": plain http`),
    );
  }
});

Deno.test("checkEndpointUrl() refuses what is not an http(s) URL", () => {
  for (const bad of ["localhost:8080", "ftp://127.0.0.1/", "https://", "http://exa mple.com"]) {
    assertThrows(
      () => checkEndpointUrl("HCLOUD_ENDPOINT", bad),
      (err: unknown) => err instanceof UsageError && err.message.includes("not an http(s) URL"),
    );
  }
});

Deno.test("isLoopbackHost() knows 127.0.0.0/8, localhost and [::1], nothing else", () => {
  assertEquals(["127.0.0.1", "127.255.255.255", "LOCALHOST", "[::1]"].map(isLoopbackHost), [true, true, true, true]);
  assertEquals(["127.0.0.256", "127.1", "0.0.0.0", "[::ffff:127.0.0.1]"].map(isLoopbackHost), [
    false,
    false,
    false,
    false,
  ]);
});
