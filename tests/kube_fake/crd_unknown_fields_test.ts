import { assertEquals } from "../assert.ts";
import { unknownFields } from "./crd_unknown_fields.ts";

const SCHEMA = {
  type: "object",
  properties: {
    metadata: { type: "object" },
    spec: {
      type: "object",
      properties: {
        name: { type: "string" },
        labels: { type: "object", additionalProperties: { type: "string" } },
        rules: { type: "array", items: { type: "object", properties: { port: { type: "integer" } } } },
        raw: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
      },
    },
  },
};

Deno.test("unknownFields() follows properties, additionalProperties, items and preserve-unknown-fields", () => {
  const obj = {
    apiVersion: "example.com/v1",
    kind: "Thing",
    metadata: { name: "t", labels: { a: "b" } },
    spec: {
      name: "x",
      nmae: "typo",
      labels: { any: "key" },
      rules: [{ port: 1 }, { prot: 2 }],
      raw: { whatever: { deep: true } },
    },
    status: { phase: "Up" },
  };
  assertEquals(unknownFields(SCHEMA, structuredClone(obj), false), ["spec.nmae", "spec.rules[1].prot", "status"]);
  const pruned = structuredClone(obj);
  unknownFields(SCHEMA, pruned, true);
  assertEquals([pruned.spec.rules, "nmae" in pruned.spec, "status" in pruned], [[{ port: 1 }, {}], false, false]);
});
