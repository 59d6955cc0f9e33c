import { assertEquals, assertThrows } from "../assert.ts";
import { applyCriticalPath, type ClusterShape, scaleUpCriticalPath } from "./critical_path.ts";
import { LATENCY_MODEL, type LatencyModel, simulatedModel } from "./latency_model.ts";

/** A model where every action takes 1 s and every step its own round number, so sums are readable. */
function unitModel(): LatencyModel {
  const actions = Object.fromEntries(Object.keys(LATENCY_MODEL.actions).map((k) => [k, 1_000]));
  return {
    actions: actions as LatencyModel["actions"],
    steps: {
      imageWriteMs: 10_000,
      installRebootMs: 20_000,
      apiServerStartMs: 30_000,
      learnerPromotionMs: 5_000,
      kubeletRestartMs: 2_000,
      apiServerRestartMs: 4_000,
      nodeReadyMs: 7_000,
      helmInstallMs: 3_000,
    },
  };
}

const dev: ClusterShape = { controlPlanes: 1, workers: 2, addonCharts: 4, buildsImage: true };

Deno.test("dev apply: image build, first control plane, API, one wave of workers, CNI, Ready, addons in sequence", () => {
  const p = applyCriticalPath(unitModel(), dev);
  // image: create + rescue + start + write 10 + stop + snapshot = 15; node = create, attach, power on
  // (1 s each) + install 20 = 23; API 30; compute: 2 workers in one wave = 23; CNI 3; Ready 7; 4 addons 12.
  assertEquals(p.steps.map((s) => s.ms), [15_000, 23_000, 30_000, 23_000, 3_000, 7_000, 12_000]);
  assertEquals(p.totalMs, 113_000);
});

Deno.test("ha apply: the joining control planes are sequential and longer than one wave of workers", () => {
  const p = applyCriticalPath(unitModel(), { ...dev, controlPlanes: 3 });
  // 2 joins x (23 + 5 promotion) = 56 against one wave of workers (23).
  assertEquals(p.steps[3]!.ms, 56_000);
  assertEquals(p.totalMs, 113_000 - 23_000 + 56_000);
});

Deno.test("a reused snapshot leaves the infrastructure as the first step; workers come in waves", () => {
  const p = applyCriticalPath(unitModel(), { ...dev, buildsImage: false, workers: 7, workerConcurrency: 3 });
  // network subnet + LB + service + target = 4 s; 7 workers at 3 at once = 3 waves of 23 s.
  assertEquals(p.steps[0]!.ms, 4_000);
  assertEquals(p.steps[3]!.ms, 69_000);
  // The operator's default adds every missing worker at once: one wave.
  assertEquals(applyCriticalPath(unitModel(), { ...dev, workers: 7 }).steps[3]!.ms, 23_000);
});

Deno.test("scale-up 3 -> 50 at best: one server's chain (all 47 at once, in 5 placement groups), then Node Ready", () => {
  const p = scaleUpCriticalPath(unitModel(), 3, 50);
  // create, start, attach (1 s each), install and reboot 20, Node Ready 7.
  assertEquals(p.steps.map((s) => s.ms), [23_000, 7_000]);
  assertEquals(p.totalMs, 30_000);
  // The count does not lengthen the bound: 1 server or 47 wait for the same chain.
  assertEquals(scaleUpCriticalPath(unitModel(), 3, 4).totalMs, p.totalMs);
  assertEquals(scaleUpCriticalPath(unitModel(), 5, 5).totalMs, 0);
});

Deno.test("scale-up with a limit on servers at once: its waves one after the other", () => {
  // 47 at 10 at once: 5 waves; at 3 at once: 16.
  assertEquals(scaleUpCriticalPath(unitModel(), 3, 50, { concurrency: 10 }).totalMs, 5 * 23_000 + 7_000);
  assertEquals(scaleUpCriticalPath(unitModel(), 3, 50, { concurrency: 3 }).totalMs, 16 * 23_000 + 7_000);
  assertEquals(scaleUpCriticalPath(unitModel(), 3, 50, { concurrency: 50 }).totalMs, 30_000);
});

Deno.test("scale-up 3 -> 50 with the real-world model: 41 s of actions and install, 61 s with Node Ready", () => {
  // create 12 + attach 3 + power on 6 + install and reboot 20; Node Ready 20 is not simulated.
  assertEquals(scaleUpCriticalPath(simulatedModel(), 3, 50).totalMs, 41_000);
  assertEquals(scaleUpCriticalPath(LATENCY_MODEL, 3, 50).totalMs, 61_000);
});

Deno.test("the simulated model drops what the local cloud does not simulate (Helm, Node Ready)", () => {
  const real = applyCriticalPath(LATENCY_MODEL, dev).totalMs;
  const simulated = applyCriticalPath(simulatedModel(), dev).totalMs;
  const dropped = LATENCY_MODEL.steps.helmInstallMs * (1 + dev.addonCharts) + LATENCY_MODEL.steps.nodeReadyMs;
  assertEquals(real - simulated, dropped);
});

Deno.test("bad shapes are refused with the field named", () => {
  assertThrows(() => applyCriticalPath(unitModel(), { ...dev, controlPlanes: 0 }), RangeError, "controlPlanes");
  assertThrows(() => applyCriticalPath(unitModel(), { ...dev, workers: -1 }), RangeError, "workers");
  assertThrows(() => applyCriticalPath(unitModel(), { ...dev, workerConcurrency: 0 }), RangeError, "workerConcurrency");
  assertThrows(() => scaleUpCriticalPath(unitModel(), 5, 3), RangeError, "from <= to");
  assertThrows(() => scaleUpCriticalPath(unitModel(), 3, 5, { concurrency: 0 }), RangeError, "concurrency");
});
