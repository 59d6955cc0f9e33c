import { assertEquals, assertRejects } from "../../tests/assert.ts";
import { unpackKubeconfigArchive } from "./kubeconfig_archive.ts";
import { TALOS_METHODS } from "./api_methods.ts";
import { binary, requires, sharedFile } from "../../tests/requirements.ts";

const TAR = binary("tar");
const FACTS = sharedFile("contracts/talos-api-facts.md");

Deno.test(requires([TAR], {
  name: "unpackKubeconfigArchive() reads an archive made by the system tar (as Talos' Go tar writer would)",
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const text = "apiVersion: v1\nkind: Config\n" + "# padding\n".repeat(200);
      await Deno.writeTextFile(`${dir}/kubeconfig`, text);
      const out = await new Deno.Command(TAR.path, { args: ["-czf", "-", "-C", dir, "kubeconfig"], stdout: "piped" })
        .output();
      assertEquals(await unpackKubeconfigArchive(out.stdout), text);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
}));

Deno.test("unpackKubeconfigArchive() rejects data that is not gzip", async () => {
  await assertRejects(() => unpackKubeconfigArchive(new TextEncoder().encode("apiVersion: v1")), /not gzip data/);
});

Deno.test(requires([FACTS], {
  name: "every method path the client calls is in the Talos API fact table",
  fn: async () => {
    const facts = await Deno.readTextFile(FACTS.path);
    const missing = Object.values(TALOS_METHODS).filter((path) => !facts.includes(`| \`${path}\` |`));
    assertEquals(missing, []);
  },
}));
