import { assertEquals, assertThrows } from "../../tests/assert.ts";
import { UsageError } from "../lib/errors.ts";
import { parseDuration } from "./apply_run.ts";

Deno.test("parseDuration() reads seconds, minutes and hours", () => {
  assertEquals(parseDuration("90s", "--timeout"), 90_000);
  assertEquals(parseDuration("45m", "--timeout"), 2_700_000);
  assertEquals(parseDuration("2h", "--timeout"), 7_200_000);
});

Deno.test("parseDuration() names the flag when the text is not a duration", () => {
  for (const bad of ["", "10", "0s", "1d", "-5m", "1.5h"]) {
    assertThrows(
      () => parseDuration(bad, "--timeout"),
      (err: unknown) => err instanceof UsageError && err.message.includes(`--timeout "${bad}"`),
    );
  }
});
