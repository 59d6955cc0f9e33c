import { assertEquals } from "../../../tests/assert.ts";
import { INSTALL_REBOOT_MS, TALOS_REPOLL_MS, talosPollSchedule } from "./talos_configure.ts";

Deno.test("talosPollSchedule() looks first when the node usually answers, then every TALOS_REPOLL_MS", () => {
  assertEquals(talosPollSchedule({}, INSTALL_REBOOT_MS), { firstMs: 20_000, intervalMs: 2_000 });
  assertEquals(talosPollSchedule({}, 0), { firstMs: 0, intervalMs: TALOS_REPOLL_MS });
});

Deno.test("talosPollSchedule() with a fixed interval tries at once and then at that interval", () => {
  assertEquals(talosPollSchedule({ intervalMs: 100 }, INSTALL_REBOOT_MS), { firstMs: 0, intervalMs: 100 });
});
