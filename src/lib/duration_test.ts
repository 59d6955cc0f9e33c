import { assertEquals } from "../../tests/assert.ts";
import { formatElapsed, parseGoDuration } from "./duration.ts";

Deno.test("parseGoDuration() reads the units and sums the parts as Go's time.ParseDuration does", () => {
  assertEquals(parseGoDuration("5m"), 300_000);
  assertEquals(parseGoDuration("30s"), 30_000);
  assertEquals(parseGoDuration("1h30m"), 5_400_000);
  assertEquals(parseGoDuration("1.5h"), 5_400_000);
  assertEquals(parseGoDuration("250ms"), 250);
  assertEquals(parseGoDuration("1500us"), 1.5);
  assertEquals(parseGoDuration("0"), 0);
});

Deno.test("parseGoDuration() returns undefined for what is not a duration", () => {
  for (const text of ["", "5", "m", "-5m", "5 m", "5min", "1d", "5m ", "0s5"]) {
    assertEquals(parseGoDuration(text), undefined, JSON.stringify(text));
  }
});

Deno.test("formatElapsed() shows seconds below a minute and minutes with padded seconds above", () => {
  assertEquals(formatElapsed(4_200), "4.2s");
  assertEquals(formatElapsed(65_000), "1m05s");
});
