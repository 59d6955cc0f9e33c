import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { parseTalosAddressMap } from "./talos_address_map.ts";

Deno.test("parseTalosAddressMap() keeps the host part and swaps the prefix; other addresses stay", () => {
  const map = parseTalosAddressMap("10.0.0.0/16=127.101.0.0/16, 192.168.4.0/24=127.9.9.0/24");
  assertEquals(map.size, 2);
  assertEquals(map.translate("10.0.1.7"), "127.101.1.7");
  assertEquals(map.translateEndpoint("10.0.0.2:50000"), "127.101.0.2:50000");
  assertEquals(map.translateEndpoint("192.168.4.200"), "127.9.9.200");
  assertEquals(map.translate("10.1.0.2"), "10.1.0.2");
  assertEquals(map.translateEndpoint("cp.example.com:50000"), "cp.example.com:50000");
  assertEquals(parseTalosAddressMap("").size, 0);
});

Deno.test("parseTalosAddressMap() names the entry and the problem", () => {
  assertThrows(() => parseTalosAddressMap("10.0.0.0/16"), /entry "10.0.0.0\/16" must be <cidr>=<cidr>/);
  assertThrows(() => parseTalosAddressMap("10.0.0.0/16=127.0.0.0/8"), /same prefix length/);
  assertThrows(() => parseTalosAddressMap("10.0.0.1/16=127.0.0.0/16"), /host bits are set/);
  assertThrows(() => parseTalosAddressMap("fd00::/64=fd01::/64"), /only IPv4/);
});
