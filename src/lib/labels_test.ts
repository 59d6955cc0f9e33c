import { assertEquals, assertOk, assertThrows } from "../../tests/assert.ts";
import {
  clusterLabels,
  clusterSelector,
  isValidLabelKey,
  isValidLabelValue,
  LABEL_KEYS,
  roleLabels,
  roleSelector,
  selectorFor,
} from "./labels.ts";

Deno.test("clusterLabels() marks ownership with the cluster name and managed-by", () => {
  assertEquals(clusterLabels("prod"), { "k8zner.io/cluster": "prod", "k8zner.io/managed-by": "k8zner" });
});

Deno.test("roleLabels() adds role and pool to the cluster labels", () => {
  assertEquals(roleLabels("prod", "worker", "workers"), {
    "k8zner.io/cluster": "prod",
    "k8zner.io/managed-by": "k8zner",
    "k8zner.io/role": "worker",
    "k8zner.io/pool": "workers",
  });
});

Deno.test("clusterSelector() and roleSelector() build Hetzner label selectors", () => {
  assertEquals(clusterSelector("prod"), "k8zner.io/cluster=prod");
  assertEquals(roleSelector("prod", "control-plane"), "k8zner.io/cluster=prod,k8zner.io/role=control-plane");
  assertEquals(selectorFor({ b: "2", a: "1" }), "a=1,b=2");
});

Deno.test("every label key k8zner uses is a valid Hetzner label key", () => {
  for (const key of Object.values(LABEL_KEYS)) assertOk(isValidLabelKey(key), key);
  assertOk(!isValidLabelKey("hetzner.cloud/x"));
  assertOk(!isValidLabelKey("-bad"));
  assertOk(!isValidLabelKey("Bad_Prefix/x"));
});

Deno.test("label values follow Hetzner's rules and clusterLabels() refuses an invalid one", () => {
  assertOk(isValidLabelValue(""));
  assertOk(isValidLabelValue("a.b_c-d"));
  assertOk(!isValidLabelValue("-a"));
  assertOk(!isValidLabelValue("a".repeat(64)));
  assertThrows(() => clusterLabels("bad value"), TypeError);
});
