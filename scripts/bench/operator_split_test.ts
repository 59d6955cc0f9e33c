import { assertEquals } from "../../tests/assert.ts";
import { kubeIdleSplit } from "./operator.ts";

const LEASE = "/apis/coordination.k8s.io/v1/namespaces/k8zner-system/leases/k8zner-operator";

Deno.test("kubeIdleSplit() tells lease renewals, resync passes and watches apart and puts each at its designed cadence", () => {
  const split = kubeIdleSplit(
    [
      [`PUT ${LEASE}`, 150],
      [`GET ${LEASE}`, 150],
      ["GET /apis/k8zner.io/v1alpha1/namespaces/k8zner-system/k8znerclusters/demo", 20],
      ["GET /api/v1/namespaces/kube-system/secrets", 40],
      ["GET /api/v1/namespaces/k8zner-system/secrets/k8zner-cloud-credentials", 20],
      ["GET /apis/k8zner.io/v1alpha1/namespaces/k8zner-system/k8znerclusters?watch", 24],
      ["GET /apis/k8zner.io/v1alpha1/namespaces/k8zner-system/k8znerclusters", 4],
      ["GET /api/v1/nodes?watch", 11],
      ["GET /api/v1/nodes", 4],
    ],
    "demo",
    1,
  );
  assertEquals(
    [split.lease, split.renewals, split.passes, split.pass, split.perPass, split.watch],
    [300, 150, 20, 80, 4, 43],
  );
  // 2 per renewal every 2 s, 4 per pass every 30 s, the watches as read.
  assertEquals(split.atDesignedCadence, 2 * 1_800 + 4 * 120 + 43);
  // Over 6 hours the watches count per hour.
  assertEquals(kubeIdleSplit([["GET /api/v1/nodes?watch", 60]], "demo", 6).atDesignedCadence, 2 * 1_800 + 10);
});
