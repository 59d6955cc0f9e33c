import { assertEquals } from "../../tests/assert.ts";
import { createKubeClient } from "./client.ts";

Deno.test("a client with tokenFile sends the file's token and the new one once the file is rewritten", async () => {
  const dir = await Deno.makeTempDir();
  const seen: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/api/v1") {
      return Response.json({
        kind: "APIResourceList",
        groupVersion: "v1",
        resources: [{
          name: "namespaces",
          singularName: "namespace",
          namespaced: false,
          kind: "Namespace",
          verbs: ["list"],
        }],
      });
    }
    seen.push(`${path} ${req.headers.get("authorization")}`);
    return Response.json({ kind: "NamespaceList", apiVersion: "v1", metadata: { resourceVersion: "1" }, items: [] });
  });
  const kubeconfigYaml = [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: c",
    "  cluster:",
    `    server: http://127.0.0.1:${server.addr.port}`,
    "    insecure-skip-tls-verify: true",
    "users:",
    "- name: sa",
    "  user: {}",
    "contexts:",
    "- name: c",
    "  context: {cluster: c, user: sa}",
    "current-context: c",
  ].join("\n");
  const tokenFile = `${dir}/token`;
  await Deno.writeTextFile(tokenFile, "first-token\n");
  const kube = await createKubeClient({ kubeconfigYaml, tokenFile });
  try {
    await kube.list("v1", "Namespace");
    // The kubelet rewrites a projected token in place (atomically, through a symlink swap).
    await Deno.writeTextFile(`${dir}/token.new`, "second-token-rotated\n");
    await Deno.rename(`${dir}/token.new`, tokenFile);
    await kube.list("v1", "Namespace");
    assertEquals(seen, ["/api/v1/namespaces Bearer first-token", "/api/v1/namespaces Bearer second-token-rotated"]);
  } finally {
    kube.close();
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
