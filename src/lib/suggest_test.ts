import { assertEquals } from "../../tests/assert.ts";
import { levenshtein, suggest } from "./suggest.ts";

Deno.test("levenshtein() counts insertions, deletions, substitutions and neighbour swaps", () => {
  assertEquals(levenshtein("region", "regoin"), 1);
  assertEquals(levenshtein("kitten", "sitting"), 3);
  assertEquals(levenshtein("count", "cont"), 1);
  assertEquals(levenshtein("", "abc"), 3);
  assertEquals(levenshtein("same", "same"), 0);
});

Deno.test("suggest() offers the nearest field for a typo and nothing for an unrelated word", () => {
  const fields = ["name", "region", "mode", "workers", "control_plane", "domain", "api_allowlist"];
  assertEquals(suggest("regoin", fields), "region");
  assertEquals(suggest("worker", fields), "workers");
  assertEquals(suggest("controlplane", fields), "control_plane");
  assertEquals(suggest("api_allow_list", fields), "api_allowlist");
  assertEquals(suggest("banana", fields), undefined);
  assertEquals(suggest("cuont", ["count", "size"]), "count");
});

Deno.test("suggest() matches values that differ only in case", () => {
  assertEquals(suggest("CX33", ["cx23", "cx33"]), "cx33");
  assertEquals(suggest("FSN1", ["fsn1", "nbg1", "hel1"]), "fsn1");
});
