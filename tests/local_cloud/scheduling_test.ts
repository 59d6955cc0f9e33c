import { assertEquals } from "../assert.ts";
import { daemonPodTolerations, fitsNode, matchesNodeAffinity, tolerates, untoleratedTaint } from "./scheduling.ts";
import { testNode } from "./workload_fixtures.ts";

const CONTROL_PLANE = { key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" as const };

Deno.test("tolerates() matches key, operator, value and effect as the API's ToleratesTaint does", () => {
  const uninitialized = {
    key: "node.cloudprovider.kubernetes.io/uninitialized",
    value: "true",
    effect: "NoSchedule" as const,
  };
  assertEquals(tolerates({ operator: "Exists" }, uninitialized), true, "empty key with Exists tolerates everything");
  assertEquals(tolerates({ key: uninitialized.key, value: "true", effect: "NoSchedule" }, uninitialized), true);
  assertEquals(tolerates({ key: uninitialized.key, value: "false" }, uninitialized), false, "Equal compares values");
  assertEquals(tolerates({ key: uninitialized.key, operator: "Exists", effect: "NoExecute" }, uninitialized), false);
  assertEquals(tolerates({ value: "true" }, uninitialized), false, "empty key needs Exists");
});

Deno.test("untoleratedTaint() ignores PreferNoSchedule and reports the first NoSchedule/NoExecute left", () => {
  const taints = [{ key: "soft", effect: "PreferNoSchedule" as const }, CONTROL_PLANE];
  assertEquals(untoleratedTaint(taints, []), CONTROL_PLANE);
  assertEquals(untoleratedTaint(taints, [{ key: CONTROL_PLANE.key, operator: "Exists" }]), undefined);
  assertEquals(untoleratedTaint(taints, [], ["NoExecute"]), undefined);
});

Deno.test("daemonPodTolerations() adds the DaemonSet controller's defaults, not not-ready:NoSchedule", () => {
  const keys = (hostNetwork: boolean) =>
    daemonPodTolerations({ hostNetwork, tolerations: [{ key: "mine", operator: "Exists" }] })
      .map((t) => `${t.key}:${t.effect ?? "*"}`);
  assertEquals(keys(false), [
    "mine:*",
    "node.kubernetes.io/not-ready:NoExecute",
    "node.kubernetes.io/unreachable:NoExecute",
    "node.kubernetes.io/disk-pressure:NoSchedule",
    "node.kubernetes.io/memory-pressure:NoSchedule",
    "node.kubernetes.io/pid-pressure:NoSchedule",
    "node.kubernetes.io/unschedulable:NoSchedule",
  ]);
  assertEquals(keys(true).at(-1), "node.kubernetes.io/network-unavailable:NoSchedule");
  const notReady = { key: "node.kubernetes.io/not-ready", effect: "NoSchedule" as const };
  assertEquals(untoleratedTaint([notReady], daemonPodTolerations({})), notReady);
});

Deno.test("matchesNodeAffinity() applies nodeSelector and ORed required terms on labels and metadata.name", () => {
  const worker = testNode("w-1", { labels: { tier: "2", pool: "a" } });
  assertEquals(matchesNodeAffinity({ nodeSelector: { pool: "a" } }, worker), true);
  assertEquals(matchesNodeAffinity({ nodeSelector: { "node-role.kubernetes.io/control-plane": "" } }, worker), false);
  const terms = (...nodeSelectorTerms: unknown[]) =>
    ({
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms } } },
    }) as Parameters<typeof matchesNodeAffinity>[0];
  assertEquals(
    matchesNodeAffinity(terms({ matchExpressions: [{ key: "tier", operator: "Gt", values: ["1"] }] }), worker),
    true,
  );
  assertEquals(
    matchesNodeAffinity(terms({ matchExpressions: [{ key: "tier", operator: "Lt", values: ["1"] }] }), worker),
    false,
  );
  assertEquals(
    matchesNodeAffinity(
      terms(
        { matchExpressions: [{ key: "pool", operator: "In", values: ["b"] }] },
        { matchFields: [{ key: "metadata.name", operator: "In", values: ["w-1"] }] },
      ),
      worker,
    ),
    true,
    "terms are ORed",
  );
  assertEquals(
    matchesNodeAffinity(terms({ matchExpressions: [{ key: "gpu", operator: "DoesNotExist" }] }), worker),
    true,
  );
  assertEquals(matchesNodeAffinity(terms({}), worker), false, "an empty term matches nothing");
  assertEquals(matchesNodeAffinity(terms(), worker), false, "no terms match nothing");
});

Deno.test("fitsNode() keeps a pod off a cordoned node unless it tolerates unschedulable", () => {
  const cordoned = { ...testNode("w-1"), spec: { unschedulable: true } };
  assertEquals(fitsNode({}, cordoned), false);
  assertEquals(
    fitsNode({ tolerations: [{ key: "node.kubernetes.io/unschedulable", operator: "Exists" }] }, cordoned),
    true,
  );
});
