import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { UsageError } from "../lib/errors.ts";
import { parseDnsServer } from "./dns_server_env.ts";

Deno.test("parseDnsServer() reads an IPv4 or bracketed IPv6 with an optional port (default 53), unset as undefined", () => {
  assertEquals(parseDnsServer(undefined), undefined);
  assertEquals(parseDnsServer("  "), undefined);
  assertEquals(parseDnsServer("127.0.0.1:5353"), { ipAddr: "127.0.0.1", port: 5353 });
  assertEquals(parseDnsServer("192.0.2.53"), { ipAddr: "192.0.2.53", port: 53 });
  assertEquals(parseDnsServer("[2001:db8::53]:5300"), { ipAddr: "2001:db8::53", port: 5300 });
});

Deno.test("parseDnsServer() refuses a host name, a bad address or port with a UsageError naming K8ZNER_DNS_SERVER", () => {
  for (const bad of ["dns.example.com", "300.1.1.1", "127.0.0.1:0", "127.0.0.1:70000", "2001:db8::53", "127.0.0.1:"]) {
    assertThrows(() => parseDnsServer(bad), (err: unknown) =>
      err instanceof UsageError &&
      err.message === `Cannot use K8ZNER_DNS_SERVER "${bad}": not an IP address with an optional port`);
  }
});
