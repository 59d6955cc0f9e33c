import { assertEquals } from "../../tests/assert.ts";
import { findKnownResource, renderResourcePath } from "./kinds.ts";

Deno.test("renderResourcePath() builds core, named-group, namespaced and cluster-scoped paths", () => {
  const deploy = findKnownResource("apps/v1", "Deployment")!;
  assertEquals(
    renderResourcePath(deploy, "kube-system", "cilium"),
    "/apis/apps/v1/namespaces/kube-system/deployments/cilium",
  );
  assertEquals(renderResourcePath(findKnownResource("v1", "Node")!, "ignored", "n1"), "/api/v1/nodes/n1");
  assertEquals(
    renderResourcePath(findKnownResource("k8zner.io/v1alpha1", "K8znerCluster")!, "k8zner-system"),
    "/apis/k8zner.io/v1alpha1/namespaces/k8zner-system/k8znerclusters",
  );
  assertEquals(findKnownResource("example.com/v1", "Widget"), undefined);
});
