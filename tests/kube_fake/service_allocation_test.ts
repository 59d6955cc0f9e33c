import { assertEquals, assertMatch } from "../assert.ts";
import { type KubeObj, startFakeKubeApi } from "./mod.ts";

function service(name: string, spec: Record<string, unknown>): KubeObj {
  return { apiVersion: "v1", kind: "Service", metadata: { name, namespace: "default" }, spec };
}

Deno.test("the API server allocates cluster IPs and node ports, keeps them on update and refuses taken or bad ones", async () => {
  const api = await startFakeKubeApi();
  try {
    const send = async (method: string, path: string, body: unknown, type = "application/json") => {
      const res = await fetch(api.url + path, {
        method,
        headers: { "content-type": type },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    };
    const base = "/api/v1/namespaces/default/services";
    const port = { name: "web", port: 80, targetPort: "web" };

    const lb = await send(
      "POST",
      base,
      service("ingress", { type: "LoadBalancer", ports: [port], selector: { a: "b" } }),
    );
    assertEquals(lb.status, 201, JSON.stringify(lb.body));
    const spec = lb.body.spec;
    assertEquals([spec.clusterIP, spec.clusterIPs, spec.ipFamilies], ["10.96.0.10", ["10.96.0.10"], ["IPv4"]]);
    assertEquals([spec.ports[0].nodePort, spec.ports[0].protocol, spec.externalTrafficPolicy], [
      30000,
      "TCP",
      "Cluster",
    ]);

    const plain = await send("POST", base, service("plain", { ports: [{ port: 53, protocol: "UDP" }] }));
    assertEquals([plain.body.spec.type, plain.body.spec.clusterIP, plain.body.spec.ports[0]], [
      "ClusterIP",
      "10.96.0.11",
      { port: 53, protocol: "UDP", targetPort: 53 },
    ]);
    const headless = await send("POST", base, service("headless", { clusterIP: "None", ports: [port] }));
    assertEquals(headless.body.spec.clusterIPs, ["None"]);

    // An apply that names neither the IP nor the node port keeps both (Helm's upgrade of the same chart).
    const applied = await send(
      "PATCH",
      `${base}/ingress?fieldManager=helm`,
      service("ingress", { type: "LoadBalancer", ports: [port], selector: { a: "c" } }),
      "application/apply-patch+yaml",
    );
    assertEquals(applied.status, 200, JSON.stringify(applied.body));
    assertEquals([applied.body.spec.clusterIP, applied.body.spec.ports[0].nodePort], ["10.96.0.10", 30000]);

    const refusals: Array<[KubeObj, RegExp]> = [
      [
        service("taken-ip", { clusterIP: "10.96.0.10", ports: [port] }),
        /failed to allocate IP 10.96.0.10: provided IP is already allocated/,
      ],
      [
        service("outside", { clusterIP: "10.0.0.5", ports: [port] }),
        /is not in the valid range. The range of valid IPs is 10.96.0.0\/12/,
      ],
      [
        service("taken-port", { type: "NodePort", ports: [{ port: 80, nodePort: 30000 }] }),
        /spec.ports\[0\].nodePort: Invalid value: 30000: provided port is already allocated/,
      ],
      [
        service("low-port", { type: "NodePort", ports: [{ port: 80, nodePort: 8080 }] }),
        /The range of valid ports is 30000-32767/,
      ],
    ];
    for (const [body, message] of refusals) {
      const res = await send("POST", base, body);
      assertEquals([res.status, res.body.reason], [422, "Invalid"]);
      assertMatch(res.body.message, message);
    }
    const moved = await send(
      "PUT",
      `${base}/plain`,
      service("plain", { clusterIP: "10.96.0.99", ports: [{ port: 53 }] }),
    );
    assertEquals(moved.status, 422);
    assertMatch(
      moved.body.message,
      /spec.clusterIPs\[0\]: Invalid value: \[\]string\{"10.96.0.99"\}: may not change once set/,
    );
  } finally {
    await api.close();
  }
});
