import { assertEquals } from "../../tests/assert.ts";
import { helpWidth, MAX_HELP_WIDTH } from "./program.ts";

Deno.test("help wraps at the terminal's width up to 80 columns, and at 80 off a terminal", () => {
  assertEquals(MAX_HELP_WIDTH, 80);
  assertEquals(helpWidth(undefined), 80);
  assertEquals(helpWidth(200), 80);
  assertEquals(helpWidth(80), 80);
  assertEquals(helpWidth(60), 60);
});
