import { assertEquals } from "../../../tests/assert.ts";
import { expandSpec } from "../../config/expand.ts";
import { renderK8znerClusterSpec } from "../../addons/k8zner_cluster.ts";
import { applySchemaDefaults, diffClusterSpec, formatSpecChanges, isContainedIn, renderMergePatch } from "./diff.ts";
import { applyMergePatch } from "../../../tests/kube_fake/patch.ts";

const spec = renderK8znerClusterSpec(
  expandSpec({ name: "demo", region: "fsn1", mode: "dev", workers: { count: 2, size: "cx33" } }),
);

Deno.test("diffClusterSpec() finds nothing between a spec and itself, or the copy the API server defaulted", () => {
  assertEquals(diffClusterSpec(spec, structuredClone(spec)), []);
  // What a real API server stores: the CRD's defaults filled in.
  const stored = applySchemaDefaults(spec) as Record<string, unknown>;
  assertEquals((stored.addons as Record<string, unknown>).argoSubdomain, "argo");
  assertEquals(stored.paused, false);
  assertEquals(diffClusterSpec(stored, spec), []);
});

Deno.test("diffClusterSpec() lists each changed, added and removed field by path, lists compared whole", () => {
  const next = structuredClone(spec);
  next.workers.count = 3;
  next.apiAllowlist = ["198.51.100.7/32"];
  next.domain = "example.com";
  const changes = diffClusterSpec(spec, next);
  assertEquals(changes, [
    { path: "apiAllowlist", from: undefined, to: ["198.51.100.7/32"] },
    { path: "domain", from: undefined, to: "example.com" },
    { path: "workers.count", from: 2, to: 3 },
  ]);
  assertEquals(formatSpecChanges(changes), [
    'apiAllowlist: (unset) -> ["198.51.100.7/32"]',
    'domain: (unset) -> "example.com"',
    "workers.count: 2 -> 3",
  ]);
  assertEquals(diffClusterSpec(next, spec).map((c) => c.path), ["apiAllowlist", "domain", "workers.count"]);
});

Deno.test("renderMergePatch() turns the old spec into the new one when applied as a JSON merge patch", () => {
  const old = { ...structuredClone(spec), domain: "old.example", apiAllowlist: ["1.2.3.4/32", "5.6.7.8/32"] };
  const next = { ...structuredClone(spec), apiAllowlist: ["1.2.3.4/32"] } as Record<string, unknown>;
  (next.workers as { count: number }).count = 4;
  const patch = renderMergePatch(old, next);
  assertEquals(patch, { apiAllowlist: ["1.2.3.4/32"], domain: null, workers: { count: 4 } });
  assertEquals(applyMergePatch(structuredClone(old), patch), next);
  assertEquals(renderMergePatch(next, structuredClone(next)), {});
});

Deno.test("isContainedIn() ignores what the server adds but not a changed value or a changed list length", () => {
  const desired = { metadata: { name: "a", labels: { x: "1" } }, data: { k: "djE=" }, list: [{ a: 1 }] };
  const live = {
    metadata: { name: "a", labels: { x: "1" }, uid: "u", resourceVersion: "7" },
    data: { k: "djE=" },
    list: [{ a: 1, defaulted: true }],
    status: {},
  };
  assertEquals(isContainedIn(desired, live), true);
  assertEquals(isContainedIn({ ...desired, data: { k: "djI=" } }, live), false);
  assertEquals(isContainedIn({ ...desired, list: [{ a: 1 }, { a: 2 }] }, live), false);
  assertEquals(isContainedIn({ ...desired, metadata: { name: "a", labels: { x: "2" } } }, live), false);
});
