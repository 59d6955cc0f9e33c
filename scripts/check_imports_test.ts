import { assertEquals } from "../tests/assert.ts";
import { violations } from "./check_imports.ts";

Deno.test("violations() rejects a client importing another client", () => {
  assertEquals(violations("src/hcloud/servers.ts", `import { x } from "../talos/pki.ts";`), [
    `src/hcloud/servers.ts: hcloud/ must not import talos/ (../talos/pki.ts)`,
  ]);
});

Deno.test("violations() allows imports down the layers and rejects bootstrap importing operator", () => {
  assertEquals(violations("src/cluster/network.ts", `import { x } from "../hcloud/networks.ts";`), []);
  assertEquals(violations("src/bootstrap/run.ts", `import { y } from "../operator/queue.ts";`).length, 1);
  assertEquals(violations("src/cli/apply.ts", `const m = await import("../kube/client.ts");`), []);
});

Deno.test("violations() rejects production code importing tests/", () => {
  assertEquals(violations("src/lib/x.ts", `import { f } from "../../tests/fake.ts";`).length, 1);
});
