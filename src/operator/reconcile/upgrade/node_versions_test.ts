import { assertEquals } from "../../../../tests/assert.ts";
import { expandSpec } from "../../../config/mod.ts";
import { COMPONENTS_ANNOTATION, readNodeVersions, talosVersionOfOsImage } from "./node_versions.ts";

const desired = expandSpec({ name: "v", region: "fsn1", mode: "dev", workers: { count: 1, size: "cx23" } });

Deno.test("talosVersionOfOsImage() reads the version Talos reports as the Node's OS image, nothing else", () => {
  assertEquals(talosVersionOfOsImage("Talos (v1.13.9)"), "v1.13.9");
  assertEquals(talosVersionOfOsImage("Talos (v1.12.0-beta.1)"), "v1.12.0-beta.1");
  assertEquals(talosVersionOfOsImage("Ubuntu 24.04.2 LTS"), undefined);
  assertEquals(talosVersionOfOsImage(undefined), undefined);
});

Deno.test("readNodeVersions() reads each planned node's Node and leaves out a server without one (it is being created)", () => {
  const node = {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: "v-cp-1", annotations: { [COMPONENTS_ANNOTATION]: "1.36.3" } },
    status: { nodeInfo: { kubeletVersion: "v1.35.2", osImage: "Talos (v1.13.9)" } },
  };
  const other = { apiVersion: "v1", kind: "Node", metadata: { name: "not-planned" }, status: {} };
  assertEquals(readNodeVersions(desired.servers, [node, other]), [
    { name: "v-cp-1", role: "control-plane", talos: "v1.13.9", kubelet: "v1.35.2", apiServer: "1.36.3" },
  ]);
});
