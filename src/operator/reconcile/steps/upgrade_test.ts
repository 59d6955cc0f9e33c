import { assertEquals } from "../../../../tests/assert.ts";
import type { ReconcileContext } from "../context.ts";
import { PHASE_STEPS } from "./mod.ts";
import { runUpgrade, upgradeStep } from "./upgrade.ts";

Deno.test("the upgrade step runs right after Compute, acts (so spec.paused stops it) and never gates later phases", () => {
  assertEquals(PHASE_STEPS.map((s) => s.name).slice(1, 3), ["Compute", "Upgrade"]);
  assertEquals([upgradeStep.acts, upgradeStep.gates], [true, false]);
});

Deno.test("runUpgrade() does nothing before the cluster's CNIReady was ever True (every Node is NotReady by design)", async () => {
  const ctx = {
    cluster: { apiVersion: "k8zner.io/v1alpha1", kind: "K8znerCluster", metadata: { name: "c" }, status: {} },
  } as unknown as ReconcileContext;
  const out = await runUpgrade(ctx, { conditions: new Map(), view: { servers: [], nodes: [] } });
  assertEquals(out, { conditions: [], done: true });
});
