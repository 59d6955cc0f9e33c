import { assertEquals } from "../assert.ts";
import { createHelmShim } from "./helm_shim.ts";

Deno.test("the Helm shim logs each invocation's arguments and hands over exit code and output", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // A stand-in "helm" that prints its arguments and exits 3, to see what the wrapper passes on.
    const fake = `${dir}/real-helm`;
    await Deno.writeTextFile(fake, '#!/bin/sh\necho "got: $*"\nexit 3\n', { mode: 0o700 });
    const shim = await createHelmShim(fake, `${dir}/shim`);
    const out = await new Deno.Command(shim.path, { args: ["list", "-A", "it's here"], stdout: "piped" }).output();
    assertEquals(out.code, 3);
    assertEquals(new TextDecoder().decode(out.stdout), "got: list -A it's here\n");
    await new Deno.Command(shim.path, { args: ["version"], stdout: "null" }).output();
    assertEquals(shim.invocations(), [["list", "-A", "it's here"], ["version"]]);
    assertEquals((await Deno.stat(shim.path)).mode! & 0o777, 0o700);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
