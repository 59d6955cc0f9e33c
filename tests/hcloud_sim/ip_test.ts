/** Public IPv4 allocation of the simulator. */
import { assertEquals } from "../assert.ts";
import { PublicIpPool } from "./ip.ts";

Deno.test("PublicIpPool hands out fresh addresses before reusing a released one", () => {
  const pool = new PublicIpPool({ server: ["127.0.1.0/30"] });
  const first = pool.allocateV4();
  assertEquals(first, "127.0.1.1");
  pool.releaseV4(first);
  // A new server must not inherit the address of one just deleted while a fresh one exists.
  assertEquals(pool.allocateV4(), "127.0.1.2");
  // Only when nothing fresh is left does a released address come back.
  assertEquals(pool.allocateV4(), "127.0.1.1");
});
