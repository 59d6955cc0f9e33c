import { assertEquals } from "../../../tests/assert.ts";
import { describeStep, type NodeVersions, planRollout } from "./rollout.ts";

const OLD = { talos: "v1.12.6", kubelet: "v1.35.2" };
const NEW = { talos: "v1.13.9", kubernetes: "1.36.3" };

function cp(name: string, versions: Partial<NodeVersions> = OLD): NodeVersions {
  return {
    name,
    role: "control-plane",
    talos: versions.talos,
    kubelet: versions.kubelet,
    apiServer: versions.apiServer,
  };
}
function worker(name: string, versions: Partial<NodeVersions> = OLD): NodeVersions {
  return { name, role: "worker", talos: versions.talos, kubelet: versions.kubelet };
}

Deno.test("planRollout() upgrades Talos on control planes then workers, then components, then kubelets", () => {
  const plan = planRollout([worker("w-2"), cp("cp-2"), worker("w-1"), cp("cp-1")], NEW);
  assertEquals(plan.steps.map(describeStep), [
    "Talos v1.12.6 -> v1.13.9 on control-plane cp-1",
    "Talos v1.12.6 -> v1.13.9 on control-plane cp-2",
    "Talos v1.12.6 -> v1.13.9 on worker w-1",
    "Talos v1.12.6 -> v1.13.9 on worker w-2",
    "control-plane components 1.35.2 -> 1.36.3 on cp-1",
    "control-plane components 1.35.2 -> 1.36.3 on cp-2",
    "kubelet 1.35.2 -> 1.36.3 on control-plane cp-1",
    "kubelet 1.35.2 -> 1.36.3 on control-plane cp-2",
    "kubelet 1.35.2 -> 1.36.3 on worker w-1",
    "kubelet 1.35.2 -> 1.36.3 on worker w-2",
  ]);
  assertEquals(plan.talos, { to: "v1.13.9" });
  assertEquals(plan.kubernetes, { to: "1.36.3" });
});

Deno.test("planRollout() orders names with numbers as numbers (cp-2 before cp-10)", () => {
  const plan = planRollout([cp("demo-cp-10"), cp("demo-cp-2"), cp("demo-cp-1")], { ...NEW, kubernetes: "1.35.2" });
  assertEquals(plan.steps.map((s) => s.kind === "talos" ? s.node : ""), ["demo-cp-1", "demo-cp-2", "demo-cp-10"]);
});

Deno.test("planRollout() is level-triggered: nodes already at the target contribute no step", () => {
  const done = { talos: "v1.13.9", kubelet: "v1.36.3" };
  const plan = planRollout(
    [cp("cp-1", done), cp("cp-2", { talos: "v1.13.9", kubelet: "v1.35.2" }), worker("w-1")],
    NEW,
  );
  assertEquals(plan.steps.map(describeStep), [
    "Talos v1.12.6 -> v1.13.9 on worker w-1",
    "control-plane components 1.35.2 -> 1.36.3 on cp-2",
    "kubelet 1.35.2 -> 1.36.3 on control-plane cp-2",
    "kubelet 1.35.2 -> 1.36.3 on worker w-1",
  ]);
  assertEquals(planRollout([cp("cp-1", done), worker("w-1", done)], NEW).steps, []);
});

Deno.test("planRollout() skips components already upgraded and keeps the node's kubelet step", () => {
  const plan = planRollout([cp("cp-1", { talos: "v1.13.9", kubelet: "1.35.2", apiServer: "v1.36.3" })], NEW);
  assertEquals(plan.steps, [{ kind: "kubelet", node: "cp-1", role: "control-plane", from: "1.35.2", to: "1.36.3" }]);
});

Deno.test("planRollout() names an unknown version and still plans the node", () => {
  const plan = planRollout([worker("w-1", { talos: undefined, kubelet: undefined })], {
    talos: "1.13.9",
    kubernetes: "v1.36.3",
  });
  assertEquals(plan.steps, [
    { kind: "talos", node: "w-1", role: "worker", from: "unknown", to: "v1.13.9" },
    { kind: "kubelet", node: "w-1", role: "worker", from: "unknown", to: "1.36.3" },
  ]);
});

Deno.test("planRollout() plans a patch downgrade like an upgrade (validation refuses the rest)", () => {
  const plan = planRollout([worker("w-1", { talos: "v1.13.9", kubelet: "v1.36.3" })], {
    talos: "v1.13.9",
    kubernetes: "1.36.1",
  });
  assertEquals(plan.steps.map(describeStep), ["kubelet 1.36.3 -> 1.36.1 on worker w-1"]);
});

Deno.test("planRollout() adds the manifests step last only when the cluster runs Talos-managed manifests behind", () => {
  const nodes = [cp("cp-1", { talos: "v1.13.9", kubelet: "v1.36.3" })];
  assertEquals(planRollout(nodes, NEW, { manifests: "v1.35.2" }).steps, [{ kind: "manifests", to: "1.36.3" }]);
  assertEquals(planRollout(nodes, NEW, { manifests: "1.36.3" }).steps, []);
  const behind = planRollout([cp("cp-1")], NEW, { manifests: "1.35.2" }).steps;
  assertEquals(behind.at(-1), { kind: "manifests", to: "1.36.3" });
  assertEquals(describeStep(behind.at(-1)!), "Talos-managed manifests -> 1.36.3");
});
