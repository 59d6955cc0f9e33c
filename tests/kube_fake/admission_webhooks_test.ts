import { assertEquals } from "../assert.ts";
import { type KubeObj, startFakeKubeApi } from "./mod.ts";

function webhookConfig(kind: string, name: string, failurePolicy: string): KubeObj {
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind,
    metadata: { name },
    webhooks: [{
      name: `${name}.example.com`,
      admissionReviewVersions: ["v1"],
      sideEffects: "None",
      failurePolicy,
      timeoutSeconds: 30,
      namespaceSelector: { matchExpressions: [{ key: "hooks.example.com/skip", operator: "NotIn", values: ["true"] }] },
      rules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["configmaps"] }],
      clientConfig: { service: { namespace: "hooks", name: "hook-svc", path: "/validate" } },
    }],
  };
}

function slice(ready: boolean): KubeObj {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name: "hook-svc-abcde", namespace: "hooks", labels: { "kubernetes.io/service-name": "hook-svc" } },
    addressType: "IPv4",
    endpoints: [{ addresses: ["10.244.0.7"], conditions: { ready } }],
    ports: [{ name: "https", port: 10250, protocol: "TCP" }],
  };
}

Deno.test("a Fail webhook without a ready endpoint refuses matching writes with the API server's error; Ignore and unmatched ones pass", async () => {
  const api = await startFakeKubeApi();
  const post = async (path: string, body: KubeObj) => {
    const res = await fetch(api.url + path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
  let n = 0;
  const configMap = (namespace: string) =>
    post(`/api/v1/namespaces/${namespace}/configmaps`, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: `cm-${++n}` },
    });
  const url = 'Post "https://hook-svc.hooks.svc:443/validate?timeout=30s"';
  try {
    const { store } = api;
    for (const [name, labels] of [["hooks", {}], ["skipped", { "hooks.example.com/skip": "true" }]] as const) {
      store.put({ apiVersion: "v1", kind: "Namespace", metadata: { name, labels } });
    }
    assertEquals(
      (await post(
        "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations",
        webhookConfig("ValidatingWebhookConfiguration", "strict", "Fail"),
      )).status,
      201,
    );
    const noService = await configMap("default");
    assertEquals([noService.status, noService.body.reason, noService.body.message], [
      500,
      "InternalError",
      `Internal error occurred: failed calling webhook "strict.example.com": failed to call webhook: ${url}: service "hook-svc" not found`,
    ]);
    assertEquals(
      noService.body.details.causes[0].message.startsWith('failed calling webhook "strict.example.com"'),
      true,
    );

    store.put({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "hook-svc", namespace: "hooks" },
      spec: { selector: { app: "hook" }, ports: [{ name: "https", port: 443, targetPort: "https" }] },
    });
    const noEndpoints = await configMap("default");
    assertEquals(
      noEndpoints.body.message,
      `Internal error occurred: failed calling webhook "strict.example.com": failed to call webhook: ${url}: no endpoints available for service "hook-svc"`,
    );
    store.put(slice(false));
    assertEquals((await configMap("default")).status, 500);

    // Namespaces the namespaceSelector leaves out, and kinds no rule names, are not sent to the webhook.
    assertEquals((await configMap("skipped")).status, 201);
    assertEquals(
      (await post("/api/v1/namespaces/default/secrets", { apiVersion: "v1", kind: "Secret", metadata: { name: "s" } }))
        .status,
      201,
    );

    store.put(slice(true));
    assertEquals((await configMap("default")).status, 201);

    // failurePolicy Ignore: an unreachable webhook lets the request through.
    store.remove("discovery.k8s.io/v1", "EndpointSlice", "hook-svc-abcde", "hooks");
    store.remove("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration", "strict");
    store.put(webhookConfig("MutatingWebhookConfiguration", "lenient", "Ignore"));
    assertEquals((await configMap("default")).status, 201);
  } finally {
    await api.close();
  }
});
