/**
 * Regenerates the "Configuration reference" section of README.md from the config field table.
 * It then runs `deno fmt README.md`, which re-wraps the prose; `--check` only compares (ignoring
 * line wrapping) and exits 1 when the README is out of date.
 *
 * @module
 */
import { readmeReferenceIsCurrent, updateReadme } from "../src/config/reference.ts";

if (import.meta.main) {
  const path = new URL("../README.md", import.meta.url);
  const current = await Deno.readTextFile(path);
  if (Deno.args.includes("--check")) {
    if (!readmeReferenceIsCurrent(current)) {
      console.error(
        "README.md configuration reference is out of date: run deno run -A scripts/gen_config_reference.ts",
      );
      Deno.exit(1);
    }
    console.log("README.md configuration reference is up to date");
  } else if (readmeReferenceIsCurrent(current)) {
    console.log("README.md configuration reference already up to date");
  } else {
    await Deno.writeTextFile(path, updateReadme(current));
    const fmt = await new Deno.Command(Deno.execPath(), {
      args: ["fmt", "README.md"],
      cwd: new URL("..", import.meta.url),
    })
      .output();
    if (!fmt.success) throw new Error(`deno fmt README.md failed: ${new TextDecoder().decode(fmt.stderr)}`);
    console.log("README.md configuration reference updated");
  }
}
