import { join } from "node:path";
import { assertEquals } from "../../tests/assert.ts";
import type { Server } from "../hcloud/mod.ts";
import type { KubeClient, KubeObject } from "../kube/mod.ts";
import type { TalosClient } from "../talos/api_client.ts";
import { generateSecretsBundle } from "../talos/secrets_bundle.ts";
import { generateTalosconfig } from "../talos/talosconfig.ts";
import type { TalosDeps } from "../cluster/nodes/talos_deps.ts";
import { readNodeVersions } from "./node_versions.ts";

function server(name: string, role: string, ip: string): Server {
  return {
    name,
    labels: { "k8zner.io/cluster": "demo", "k8zner.io/role": role },
    public_net: { ipv4: { ip } },
  } as unknown as Server;
}

function node(name: string, kubeletVersion: string): KubeObject {
  return { apiVersion: "v1", kind: "Node", metadata: { name }, status: { nodeInfo: { kubeletVersion } } };
}

Deno.test("readNodeVersions() reads each server's Talos version and each Node's kubelet; a silent node is unknown", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const now = new Date("2026-12-01T00:00:00Z");
    const bundle = await generateSecretsBundle({ now });
    await Deno.writeTextFile(
      join(dir, "talosconfig"),
      await generateTalosconfig(bundle, { clusterName: "demo", endpoints: ["192.0.2.1"], now }),
    );
    const tags: Record<string, string> = { "192.0.2.1": "v1.13.9", "192.0.2.2": "v1.12.6" };
    const asked: string[] = [];
    const closed: string[] = [];
    const talos = {
      talosClient: (endpoint: string) =>
        ({
          endpoint,
          version: (o?: { timeoutMs?: number }) => {
            asked.push(`${endpoint} ${o?.timeoutMs}`);
            const tag = tags[endpoint];
            if (!tag) return Promise.reject(new Error("connection refused"));
            return Promise.resolve([{ node: undefined, version: { tag } }]);
          },
          close: () => (closed.push(endpoint), Promise.resolve()),
        }) as unknown as TalosClient,
    } as unknown as TalosDeps;
    const kube = {
      list: (apiVersion: string, kind: string) =>
        Promise.resolve(
          apiVersion === "v1" && kind === "Node" ? [node("demo-cp-1", "v1.36.3"), node("demo-w-1", "v1.35.2")] : [],
        ),
    } as unknown as KubeClient;
    const nodes = await readNodeVersions({ talos: () => talos }, {
      clusterName: "demo",
      secretsDir: dir,
      servers: [
        server("demo-w-1", "worker", "192.0.2.2"),
        server("demo-cp-1", "control-plane", "192.0.2.1"),
        server("demo-w-2", "worker", "192.0.2.3"),
      ],
      kube,
      timeoutMs: 1234,
    });
    assertEquals(nodes, [
      { name: "demo-cp-1", role: "control-plane", talos: "v1.13.9", kubelet: "1.36.3" },
      { name: "demo-w-1", role: "worker", talos: "v1.12.6", kubelet: "1.35.2" },
      { name: "demo-w-2", role: "worker", talos: undefined, kubelet: undefined },
    ]);
    assertEquals(asked.sort(), ["192.0.2.1 1234", "192.0.2.2 1234", "192.0.2.3 1234"]);
    assertEquals(closed.sort(), ["192.0.2.1", "192.0.2.2", "192.0.2.3"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readNodeVersions() without a talosconfig reads no Talos API", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const nodes = await readNodeVersions({
      talos: () => {
        throw new Error("no Talos client may be made");
      },
    }, { clusterName: "demo", secretsDir: dir, servers: [server("demo-cp-1", "control-plane", "192.0.2.1")] });
    assertEquals(nodes, [{ name: "demo-cp-1", role: "control-plane", talos: undefined, kubelet: undefined }]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
