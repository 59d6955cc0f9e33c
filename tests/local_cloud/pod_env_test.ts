import { assertEquals, assertThrows } from "../assert.ts";
import { ContainerConfigError, expandReferences, type PodFacts, resolveContainerEnv } from "./pod_env.ts";

const POD: PodFacts = {
  name: "op-abc",
  namespace: "k8zner-system",
  uid: "u-1",
  nodeName: "demo-cp-1",
  podIp: "127.5.1.2",
  hostIp: "127.5.1.2",
  serviceAccountName: "k8zner-operator",
};

const lookups = {
  secret: (name: string) => name === "creds" ? { "hcloud-token": btoa("tok-123") } : undefined,
  configMap: () => undefined,
};

Deno.test("resolveContainerEnv() resolves fieldRef and secretKeyRef and lets the container override the kubelet's variables", () => {
  const env = resolveContainerEnv(
    [
      { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
      { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
      { name: "ADDR", value: "$(POD_IP):8081" },
      { name: "HCLOUD_TOKEN", valueFrom: { secretKeyRef: { name: "creds", key: "hcloud-token" } } },
      { name: "OPTIONAL", valueFrom: { secretKeyRef: { name: "absent", key: "x", optional: true } } },
      { name: "KUBERNETES_SERVICE_HOST", value: "localhost" },
    ],
    POD,
    lookups,
    { KUBERNETES_SERVICE_HOST: "10.96.0.1" },
  );
  assertEquals(env, {
    KUBERNETES_SERVICE_HOST: "localhost",
    POD_IP: "127.5.1.2",
    POD_NAME: "op-abc",
    ADDR: "127.5.1.2:8081",
    HCLOUD_TOKEN: "tok-123",
  });
});

Deno.test("resolveContainerEnv() refuses to start a container whose Secret or key is missing", () => {
  assertThrows(
    () => resolveContainerEnv([{ name: "T", valueFrom: { secretKeyRef: { name: "absent", key: "k" } } }], POD, lookups),
    ContainerConfigError,
    'secret "absent" not found',
  );
  assertThrows(
    () =>
      resolveContainerEnv([{ name: "T", valueFrom: { secretKeyRef: { name: "creds", key: "nope" } } }], POD, lookups),
    ContainerConfigError,
    "couldn't find key nope in Secret k8zner-system/creds",
  );
});

Deno.test("expandReferences() expands $(VAR) as Kubernetes does: $$ escapes, unknown names stay", () => {
  const vars = { POD_IP: "127.5.1.2" };
  assertEquals(expandReferences("--bind=$(POD_IP):8081", vars), "--bind=127.5.1.2:8081");
  assertEquals(expandReferences("$$(POD_IP) $(NOPE) $(POD_IP", vars), "$(POD_IP) $(NOPE) $(POD_IP");
});
