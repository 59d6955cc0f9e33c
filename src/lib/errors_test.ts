import { assertEquals, assertMatch } from "../../tests/assert.ts";
import { exitCodeFor, formatError, UsageError, UserFacingError } from "./errors.ts";

Deno.test("exitCodeFor() maps usage errors to 2 and everything else to 1", () => {
  assertEquals(exitCodeFor(new UsageError("bad flag")), 2);
  assertEquals(exitCodeFor(new UserFacingError("cloud down")), 1);
  assertEquals(exitCodeFor(new Error("boom")), 1);
  assertEquals(exitCodeFor(Object.assign(new Error("drift"), { exitCode: 10 })), 10);
});

Deno.test("formatError() prints one error line, a hint, and causes only when verbose", () => {
  const err = new UsageError("config file k8zner.yaml not found", {
    hint: "Run 'k8zner init' to create one",
    cause: new Error("ENOENT"),
  });
  assertEquals(
    formatError(err, false),
    "error: config file k8zner.yaml not found\nhint: Run 'k8zner init' to create one\n(run with -v to see the cause)",
  );
  assertMatch(formatError(err, true), /caused by: ENOENT$/);
});
