import { assertEquals, assertThrows } from "../tests/assert.ts";
import { renderFastEntry } from "./fast_entry.ts";

const HELP = 'Usage: k8zner [options] [command]\n\nüñí "quoted" `back` ${x}\n';
const VERSION = "9.8.7\n";

/** Writes the entry and a stand-in full CLI that reports its arguments (or fails, if it must not load). */
async function withEntry(cliSource: string, fn: (entry: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "k8zner-fast-entry-" });
  try {
    await Deno.writeTextFile(`${dir}/k8zner.cli.js`, cliSource);
    await Deno.writeTextFile(
      `${dir}/k8zner.js`,
      renderFastEntry({ help: HELP, version: VERSION, cliFile: "k8zner.cli.js" }),
    );
    await fn(`${dir}/k8zner.js`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function run(entry: string, args: string[]) {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-config", "--allow-read", entry, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const d = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: r.code, stdout: d(r.stdout), stderr: d(r.stderr) };
}

Deno.test("a lone --help, -h, --version or -V is answered without loading the full CLI", async () => {
  await withEntry('throw new Error("the full CLI was loaded");\n', async (entry) => {
    for (const [flag, text] of [["--help", HELP], ["-h", HELP], ["--version", VERSION], ["-V", VERSION]]) {
      assertEquals(await run(entry, [flag!]), { code: 0, stdout: text!, stderr: "" }, flag);
    }
  });
});

Deno.test("any other command line runs the full CLI beside the entry, with the same arguments", async () => {
  const cli = "console.log(JSON.stringify(Deno.args)); Deno.exit(Deno.args.length);\n";
  await withEntry(cli, async (entry) => {
    for (const args of [[], ["apply", "--wait"], ["-v", "--help"], ["--help", "apply"], ["--version", "x"]]) {
      const r = await run(entry, args);
      assertEquals([r.code, r.stdout], [args.length, JSON.stringify(args) + "\n"], args.join(" "));
    }
  });
});

Deno.test("the full CLI must sit beside the entry", () => {
  assertThrows(() => renderFastEntry({ help: "", version: "", cliFile: "dist/k8zner.cli.js" }), /must be a file name/);
});
