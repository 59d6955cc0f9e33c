import { assertEquals, assertRejects } from "../../tests/assert.ts";
import { unpackKubeconfigArchive } from "./kubeconfig_archive.ts";
import { TALOS_METHODS } from "./api_methods.ts";

const hasTar = await new Deno.Command("tar", { args: ["--version"], stdout: "null", stderr: "null" }).output().then(
  (o) => o.success,
  () => false,
);
if (!hasTar) console.log("skipping the tar cross-check: no tar binary");

Deno.test({
  name: "unpackKubeconfigArchive() reads an archive made by the system tar (as Talos' Go tar writer would)",
  ignore: !hasTar,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const text = "apiVersion: v1\nkind: Config\n" + "# padding\n".repeat(200);
      await Deno.writeTextFile(`${dir}/kubeconfig`, text);
      const out = await new Deno.Command("tar", { args: ["-czf", "-", "-C", dir, "kubeconfig"], stdout: "piped" })
        .output();
      assertEquals(await unpackKubeconfigArchive(out.stdout), text);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("unpackKubeconfigArchive() rejects data that is not gzip", async () => {
  await assertRejects(() => unpackKubeconfigArchive(new TextEncoder().encode("apiVersion: v1")), /not gzip data/);
});

const factsUrl = new URL("../../../shared/contracts/talos-api-facts.md", import.meta.url);
const facts = await Deno.readTextFile(factsUrl).catch(() => undefined);
if (facts === undefined) console.log(`skipping the Talos method contract test: ${factsUrl.pathname} is absent`);

Deno.test({
  name: "every method path the client calls is in the Talos API fact table",
  ignore: facts === undefined,
  fn: () => {
    const missing = Object.values(TALOS_METHODS).filter((path) => !facts!.includes(`| \`${path}\` |`));
    assertEquals(missing, []);
  },
});
