import { assertEquals, assertThrows } from "../assert.ts";
import { parse as parseYaml } from "yaml";
import { hasDuplicateKeys, parseApplyPatchBody } from "./apply_patch_body.ts";

const manifest = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "default", labels: { "app.kubernetes.io/name": "web" }, annotations: {} },
  spec: {
    replicas: 3,
    template: {
      metadata: { labels: { app: "web" } },
      spec: {
        containers: [{
          name: "web",
          image: "nginx:1.27",
          args: ["--flag=a,b", 'quote " and backslash \\ and slash /', "tab\tnewline\n", "ünïcødé ✓ 😀"],
          ports: [{ containerPort: 8080, protocol: "TCP" }],
          resources: { limits: { cpu: 0.5, memory: "128Mi" } },
          env: [{ name: "A", value: "" }, { name: "B", value: "null" }, { name: "C", value: "1e3" }],
        }],
        nodeSelector: {},
        tolerations: [],
        hostNetwork: false,
        priority: -1,
        terminationGracePeriodSeconds: 1.5,
        extra: null,
      },
    },
  },
};

Deno.test("parseApplyPatchBody() reads a JSON body as the YAML parser does", () => {
  for (const text of [JSON.stringify(manifest), JSON.stringify(manifest, null, 2), ` \n${JSON.stringify({})}`]) {
    assertEquals(parseApplyPatchBody(text), parseYaml(text));
  }
  assertEquals(parseApplyPatchBody('{"a":"\\u00e9\\ud83d\\ude00\\/"}'), { a: "é😀/" });
});

Deno.test("parseApplyPatchBody() refuses a key given twice, as the YAML parser does", () => {
  for (const text of ['{"a":1,"a":2}', '{"x":[{"k":1},{"k":2,"k":3}]}', '{"a":1,"\\u0061":2}']) {
    assertThrows(() => parseYaml(text));
    assertThrows(() => parseApplyPatchBody(text));
  }
});

Deno.test("parseApplyPatchBody() reads YAML bodies and refuses what is neither", () => {
  assertEquals(parseApplyPatchBody("kind: ConfigMap\ndata:\n  a: '1'\n"), { kind: "ConfigMap", data: { a: "1" } });
  assertEquals(parseApplyPatchBody("{kind: ConfigMap}"), { kind: "ConfigMap" });
  assertThrows(() => parseApplyPatchBody('{"a": [1, }'));
});

Deno.test("hasDuplicateKeys() tells keys from values and objects from arrays", () => {
  assertEquals(hasDuplicateKeys('{"a":"a","b":{"a":"b"},"c":["a","a"],"d":[{"a":1},{"a":2}]}'), false);
  assertEquals(hasDuplicateKeys('{"a":{"b":1},"c":2,"b":3}'), false);
  assertEquals(hasDuplicateKeys('{"a":{"b":1,"c":{}},"a":3}'), true);
  assertEquals(hasDuplicateKeys('{"a\\"b":1,"a\\"b":2}'), true);
  assertEquals(hasDuplicateKeys('[{"a":1,"b":[{"a":1}],"a":2}]'), true);
});
