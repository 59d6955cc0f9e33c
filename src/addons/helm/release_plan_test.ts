import { assertEquals } from "../../../tests/assert.ts";
import { planRelease } from "./release_plan.ts";
import { helmReleaseSelector, releaseHistories, type ReleaseRevision } from "./release_state.ts";
import type { KubeObject } from "../../kube/types.ts";

const target = { chartVersion: "1.19.3", valuesHash: "abc" };
const rev = (version: number, status: string, chartVersion = "1.19.3", valuesHash = "abc"): ReleaseRevision => ({
  version,
  status,
  chartVersion,
  valuesHash,
});

Deno.test("planRelease() leaves a deployed release of the wanted chart and values alone", () => {
  assertEquals(planRelease([rev(1, "superseded"), rev(2, "deployed")], target), { action: "none", revision: 2 });
});

Deno.test("planRelease() installs a missing release and upgrades a changed, failed or odd one", () => {
  assertEquals(planRelease([], target), { action: "install" });
  assertEquals(planRelease([rev(1, "deployed", "1.18.0")], target), { action: "upgrade", from: 1, reason: "chart" });
  assertEquals(planRelease([rev(1, "deployed", "1.19.3", "old")], target), {
    action: "upgrade",
    from: 1,
    reason: "values",
  });
  // A revision without our labels (installed by hand) is brought under our labels by one upgrade.
  assertEquals(planRelease([{ version: 1, status: "deployed" }], target).action, "upgrade");
  assertEquals(planRelease([rev(1, "deployed"), rev(2, "failed")], target), {
    action: "upgrade",
    from: 2,
    reason: "failed",
  });
  assertEquals(planRelease([rev(1, "uninstalled")], target), { action: "upgrade", from: 1, reason: "status" });
});

Deno.test("planRelease() rolls a pending release back to its last good revision, or reinstalls one that never worked", () => {
  for (const pending of ["pending-install", "pending-upgrade", "pending-rollback"]) {
    assertEquals(
      planRelease([rev(1, "superseded"), rev(2, "deployed"), rev(3, "failed"), rev(4, pending)], target),
      { action: "rollback", from: 4, to: 2 },
    );
  }
  assertEquals(planRelease([rev(1, "superseded"), rev(2, "pending-upgrade")], target), {
    action: "rollback",
    from: 2,
    to: 1,
  });
  assertEquals(planRelease([rev(1, "pending-install")], target), { action: "reinstall", from: 1 });
  assertEquals(planRelease([rev(1, "failed"), rev(2, "pending-upgrade")], target), { action: "reinstall", from: 2 });
});

Deno.test("planRelease() never uninstalls a release that has a deployed or superseded revision", () => {
  const statuses = ["deployed", "superseded", "failed", "pending-install", "pending-upgrade", "pending-rollback"];
  // Every history of up to three revisions over these statuses.
  const histories: string[][] = [[]];
  for (let n = 0; n < 3; n++) {
    for (const h of [...histories]) for (const s of statuses) if (h.length === n) histories.push([...h, s]);
  }
  for (const h of histories) {
    const revisions = h.map((s, i) => rev(i + 1, s));
    const plan = planRelease(revisions, target);
    if (h.some((s) => s === "deployed" || s === "superseded")) {
      assertEquals(plan.action === "reinstall", false, `history ${h.join(",")} must not be reinstalled`);
    }
  }
});

function secret(labels: Record<string, string>): KubeObject {
  return { apiVersion: "v1", kind: "Secret", metadata: { name: `s-${labels.name}-${labels.version}`, labels } };
}

Deno.test("releaseHistories() groups Helm's storage Secrets by release, oldest first, with our labels", () => {
  const histories = releaseHistories([
    secret({ owner: "helm", name: "cilium", status: "deployed", version: "10" }),
    secret({
      owner: "helm",
      name: "cilium",
      status: "superseded",
      version: "9",
      "k8zner.io/chart-version": "1.19.3",
      "k8zner.io/values-hash": "abc",
    }),
    secret({ owner: "helm", name: "metrics-server", status: "pending-install", version: "1" }),
    secret({ owner: "someone", name: "cilium", status: "deployed", version: "11" }),
    secret({ owner: "helm", name: "cilium", status: "deployed", version: "x" }),
  ]);
  assertEquals(histories.get("cilium"), [
    { version: 9, status: "superseded", chartVersion: "1.19.3", valuesHash: "abc" },
    { version: 10, status: "deployed" },
  ]);
  assertEquals(histories.get("metrics-server"), [{ version: 1, status: "pending-install" }]);
  assertEquals(helmReleaseSelector(["cilium"]), "owner=helm,name=cilium");
  assertEquals(helmReleaseSelector(["a", "b"]), "owner=helm,name in (a,b)");
});
