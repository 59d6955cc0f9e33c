import { assertEquals } from "../assert.ts";
import { translateGoRegExp } from "./go_regexp.ts";

Deno.test("translateGoRegExp() scopes RE2 flag groups to the rest of their group, leaving classes and escapes alone", () => {
  assertEquals(translateGoRegExp("^(?i)(abort|warn)?$"), "^(?i:(abort|warn)?$)");
  assertEquals(translateGoRegExp("^((?i)jan|feb)(:((?i)mar))$"), "^((?i:jan|feb))(:((?i:mar)))$");
  assertEquals(translateGoRegExp("^[()]\\(?i\\)[^]]$"), "^[()]\\(?i\\)[^]]$");
  const prometheus = new RegExp(translateGoRegExp("^(?i)(abort|warn)?$"), "u");
  assertEquals([prometheus.test("Warn"), prometheus.test("ABORT"), prometheus.test("stop")], [true, true, false]);
});
