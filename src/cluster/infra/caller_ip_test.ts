import { assertEquals, assertRejects } from "../../../tests/assert.ts";
import { UserFacingError } from "../../lib/errors.ts";
import { DEFAULT_CALLER_IP_URL, detectCallerIp } from "./caller_ip.ts";

function answering(status: number, body: string, seen: string[] = []): typeof fetch {
  return (input) => {
    seen.push(String(input));
    return Promise.resolve(new Response(body, { status }));
  };
}

Deno.test("detectCallerIp() returns the IPv4 the service answers, trimmed, from icanhazip by default", async () => {
  const seen: string[] = [];
  assertEquals(await detectCallerIp(answering(200, "203.0.113.7\n", seen)), "203.0.113.7");
  assertEquals(seen, [DEFAULT_CALLER_IP_URL]);
  assertEquals(await detectCallerIp(answering(200, "198.51.100.1"), "http://127.0.0.1:9/ip"), "198.51.100.1");
});

Deno.test("detectCallerIp() asks for api_allowlist when the answer is not an IPv4, an error or no answer", async () => {
  const asksForAllowlist = (pattern: RegExp) => (err: unknown) =>
    err instanceof UserFacingError && pattern.test(err.message) && /api_allowlist/.test(err.hint ?? "");
  await assertRejects(
    () => detectCallerIp(answering(200, "2001:db8::1")),
    asksForAllowlist(/not an IPv4 address: "2001:db8::1"/),
  );
  await assertRejects(() => detectCallerIp(answering(200, "<html>captive portal</html>")), asksForAllowlist(/IPv4/));
  await assertRejects(() => detectCallerIp(answering(503, "busy")), asksForAllowlist(/HTTP 503/));
  await assertRejects(
    () => detectCallerIp(() => Promise.reject(new TypeError("dns error: no such host"))),
    asksForAllowlist(/ipv4\.icanhazip\.com: dns error/),
  );
});
