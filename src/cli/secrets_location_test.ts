import { assertEquals } from "../../tests/assert.ts";
import { resolveSecretsLocation, shownPath } from "./secrets_location.ts";

const loaded = { path: "/home/ana/infra/k8zner.yaml", spec: { name: "demo" } } as Parameters<
  typeof resolveSecretsLocation
>[0];

Deno.test("resolveSecretsLocation() puts secrets beside the config file, whatever the working directory", () => {
  for (const cwd of ["/home/ana/infra", "/home/ana/infra/charts/sub", "/tmp"]) {
    assertEquals(resolveSecretsLocation(loaded, cwd), {
      dir: "/home/ana/infra/secrets/demo",
      gitignoreDir: "/home/ana/infra/secrets",
    });
  }
});

Deno.test("resolveSecretsLocation() takes --secrets-dir from the working directory and ignores it when blank", () => {
  assertEquals(resolveSecretsLocation(loaded, "/home/ana/other", "../infra/secrets/demo"), {
    dir: "/home/ana/infra/secrets/demo",
    gitignoreDir: "/home/ana/infra/secrets/demo",
  });
  assertEquals(resolveSecretsLocation(loaded, "/tmp", "/vault/demo").dir, "/vault/demo");
  assertEquals(resolveSecretsLocation(loaded, "/tmp", " ").dir, "/home/ana/infra/secrets/demo");
});

Deno.test("shownPath() is ./relative inside the working directory and absolute outside it", () => {
  assertEquals(shownPath("/home/ana/infra/secrets/demo/kubeconfig", "/home/ana/infra"), "./secrets/demo/kubeconfig");
  assertEquals(shownPath("/home/ana/infra/secrets/demo", "/home/ana/infra/charts"), "/home/ana/infra/secrets/demo");
});
