import { assertEquals, assertThrows } from "../assert.ts";
import { SimError } from "./errors.ts";
import { isValidLabelKey, matchesSelector, parseLabelSelector, validateLabels } from "./label_selector.ts";

const labels = { "k8zner.io/cluster": "c1", role: "worker", env: "prod", empty: "" };

Deno.test("label selectors support =, ==, != and comma as AND", () => {
  assertEquals(matchesSelector(labels, "k8zner.io/cluster=c1"), true);
  assertEquals(matchesSelector(labels, "k8zner.io/cluster==c1,role=worker"), true);
  assertEquals(matchesSelector(labels, "k8zner.io/cluster=c1,role=control-plane"), false);
  assertEquals(matchesSelector(labels, "role!=control-plane"), true);
  assertEquals(matchesSelector(labels, "missing!=x"), true, "!= matches when the key is absent");
  assertEquals(matchesSelector(labels, "empty="), true);
});

Deno.test("label selectors support in, notin, existence and absence", () => {
  assertEquals(matchesSelector(labels, "env in (staging, prod)"), true);
  assertEquals(matchesSelector(labels, "env in (staging,testing)"), false);
  assertEquals(matchesSelector(labels, "env notin (staging,testing)"), true);
  assertEquals(matchesSelector(labels, "missing notin (a)"), true);
  assertEquals(matchesSelector(labels, "role"), true);
  assertEquals(matchesSelector(labels, "!role"), false);
  assertEquals(matchesSelector(labels, "!missing,role in (worker)"), true);
  assertEquals(matchesSelector(labels, ""), true);
});

Deno.test("malformed selectors are invalid_input on label_selector", () => {
  for (const bad of ["a=b,", "a in b", "=x", "a==b==c", "bad key=x"]) {
    const err = assertThrowsSim(() => parseLabelSelector(bad));
    assertEquals(err.code, "invalid_input");
    assertEquals((err.details?.fields as { name: string }[])[0]!.name, "label_selector");
  }
});

Deno.test("label keys and values follow Hetzner's rules, and the hetzner.cloud/ prefix is reserved", () => {
  assertEquals(isValidLabelKey("k8zner.io/cluster"), true);
  assertEquals(isValidLabelKey("a".repeat(63)), true);
  assertEquals(isValidLabelKey("a".repeat(64)), false);
  assertEquals(isValidLabelKey("-a"), false);
  assertEquals(validateLabels({ a: "", "x.y/z": "v-1" }), { a: "", "x.y/z": "v-1" });
  assertThrows(() => validateLabels({ "hetzner.cloud/x": "1" }), /reserved/);
  assertThrows(() => validateLabels({ a: "-bad" }), /invalid/);
  assertThrows(() => validateLabels({ a: 1 }), /string value/);
});

function assertThrowsSim(fn: () => unknown): SimError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SimError) return err;
    throw err;
  }
  throw new Error("expected a SimError");
}
