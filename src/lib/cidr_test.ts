import { assertEquals, assertOk, assertThrows } from "../../tests/assert.ts";
import { cidrContains, cidrHost, cidrSubnet, formatAddress, parseCidr, parseIpv4, parseIpv6 } from "./cidr.ts";

Deno.test("parseIpv4() accepts dotted quads and rejects leading zeros, short forms and out-of-range parts", () => {
  assertEquals(parseIpv4("10.0.0.254"), 0x0a0000fen);
  assertEquals(parseIpv4("255.255.255.255"), 0xffffffffn);
  for (const bad of ["010.0.0.1", "10.0.1", "256.0.0.1", "1.2.3.4.5", "a.b.c.d", "", "1..2.3"]) {
    assertEquals(parseIpv4(bad), undefined, bad);
  }
});

Deno.test("parseIpv6() accepts compressed, full and IPv4-suffixed forms and rejects malformed ones", () => {
  assertEquals(parseIpv6("::"), 0n);
  assertEquals(parseIpv6("::1"), 1n);
  assertEquals(parseIpv6("2001:db8::"), 0x20010db8n << 96n);
  assertEquals(parseIpv6("2001:0db8:0000:0000:0000:0000:0000:0001"), (0x20010db8n << 96n) | 1n);
  assertEquals(parseIpv6("::ffff:192.0.2.1"), (0xffffn << 32n) | 0xc0000201n);
  for (const bad of ["2001:db8:::1", "1::2::3", "12345::", "2001:db8", "g::1", "1:2:3:4:5:6:7:8:9", "fe80::1%eth0"]) {
    assertEquals(parseIpv6(bad), undefined, bad);
  }
});

Deno.test("formatAddress() writes IPv6 in RFC 5952 form", () => {
  assertEquals(formatAddress(6, parseIpv6("2001:0db8:0:0:1:0:0:1")!), "2001:db8::1:0:0:1");
  assertEquals(formatAddress(6, parseIpv6("2001:db8:0:1:1:1:1:1")!), "2001:db8:0:1:1:1:1:1");
  assertEquals(formatAddress(6, 0n), "::");
});

Deno.test("parseCidr() treats a bare address as one host and normalises the text", () => {
  const v4 = parseCidr("203.0.113.7");
  assertOk(v4.ok);
  assertEquals(v4.normalized, "203.0.113.7/32");
  const v6 = parseCidr("2001:DB8::/32");
  assertOk(v6.ok);
  assertEquals(v6.normalized, "2001:db8::/32");
});

Deno.test("parseCidr() rejects host bits below the prefix and suggests both readings", () => {
  const r = parseCidr("10.0.0.1/8");
  assertOk(!r.ok);
  assertEquals(r.reason, "host bits are set below the /8 prefix");
  assertEquals(r.suggestion, "10.0.0.0/8 for the network, or 10.0.0.1/32 for one host");
});

Deno.test("parseCidr() rejects prefixes longer than the address and non-numeric prefixes", () => {
  for (const bad of ["10.0.0.0/33", "2001:db8::/129", "10.0.0.0/", "10.0.0.0/8a", "10.0.0.0/08"]) {
    assertOk(!parseCidr(bad).ok, bad);
  }
});

Deno.test("cidrSubnet() and cidrHost() match Terraform's arithmetic for the cluster layout", () => {
  assertEquals(cidrSubnet("10.0.0.0/16", 1, 0), "10.0.0.0/17");
  assertEquals(cidrSubnet("10.0.0.0/16", 1, 1), "10.0.128.0/17");
  assertEquals(cidrSubnet("10.0.0.0/17", 8, 0), "10.0.0.0/25");
  assertEquals(cidrSubnet("10.0.0.0/17", 8, 1), "10.0.0.128/25");
  assertEquals(cidrSubnet("10.0.0.0/17", 8, 2), "10.0.1.0/25");
  assertEquals(cidrHost("10.0.0.128/25", -2), "10.0.0.254");
  assertEquals(cidrHost("10.0.1.0/25", 2), "10.0.1.2");
  assertThrows(() => cidrSubnet("10.0.0.0/17", 8, 256), RangeError);
  assertThrows(() => cidrHost("10.0.0.0/25", 128), RangeError);
});

Deno.test("cidrContains() checks that one block lies inside another", () => {
  assertOk(cidrContains("10.0.0.0/16", "10.0.128.0/17"));
  assertOk(!cidrContains("10.0.0.0/16", "10.96.0.0/12"));
  assertOk(!cidrContains("10.0.0.0/17", "10.0.0.0/16"));
});
