import { assertEquals, assertOk, assertThrows } from "../assert.ts";
import { cloneJson } from "./json_clone.ts";

Deno.test("cloneJson() copies a Kubernetes object as structuredClone does, sharing nothing with it", () => {
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "a", labels: { app: "x" }, ownerReferences: [{ kind: "DaemonSet", controller: true }] },
    spec: { nodeName: "n1", containers: [{ name: "c", args: ["--a", "--b"], port: 80 }], optional: undefined },
    status: { phase: "Running", podIP: null, conditions: [] },
  };
  const copy = cloneJson(pod);
  assertEquals(copy, structuredClone(pod));
  assertEquals(Object.keys(copy.spec), ["nodeName", "containers", "optional"], "key order and undefined keys kept");
  copy.metadata.labels.app = "changed";
  copy.spec.containers[0]!.args.push("--c");
  assertEquals(pod.metadata.labels.app, "x");
  assertEquals(pod.spec.containers[0]!.args, ["--a", "--b"]);
});

Deno.test("cloneJson() keeps a parsed __proto__ key as data and copies non-JSON values as structuredClone does", () => {
  const parsed = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
  const copy = cloneJson(parsed);
  assertEquals(Object.getPrototypeOf(copy), Object.prototype);
  assertEquals(Object.keys(copy), ["__proto__", "a"]);
  assertEquals((copy as { polluted?: boolean }).polluted, undefined);
  const when = new Date(0);
  const bytes = new Uint8Array([1, 2]);
  const copied = cloneJson({ when, bytes });
  assertOk(copied.when instanceof Date && copied.when !== when && copied.when.getTime() === 0);
  assertOk(copied.bytes instanceof Uint8Array && copied.bytes !== bytes);
  assertEquals([...copied.bytes], [1, 2]);
  assertThrows(() => cloneJson({ f: () => 1 }), (err: Error) => err.name === "DataCloneError");
});
