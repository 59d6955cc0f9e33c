/**
 * The CLI conventions every command follows, checked on the real `main.ts` in a subprocess:
 * exit codes 0/1/2, `error: …` plus `hint: …` on stderr, `--json` data alone on stdout, `-v`
 * showing causes, colour only on a terminal and never with NO_COLOR or CI, and `init` end to end.
 *
 * @module
 */
import { assertEquals, assertIncludes, assertMatch, assertNotMatch, assertOk } from "../assert.ts";
import { binary, requires } from "../requirements.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const dec = new TextDecoder();

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function k8zner(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<Run> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    cwd: opts.cwd ?? Deno.cwd(),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    clearEnv: true,
    env: { PATH: Deno.env.get("PATH") ?? "", HOME: Deno.env.get("HOME") ?? "/tmp", ...opts.env },
  }).output();
  return { code: r.code, stdout: dec.decode(r.stdout), stderr: dec.decode(r.stderr) };
}

async function inTempDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const INIT_FLAGS = ["--name", "demo", "--region", "fsn1", "--mode", "dev", "--workers", "2", "--worker-size", "cx33"];

Deno.test("k8zner --help exits 0 and lists the registered commands", async () => {
  const r = await k8zner(["--help"]);
  assertEquals(r.code, 0, r.stderr);
  for (const cmd of ["init", "version", "completion"]) assertMatch(r.stdout, new RegExp(`^\\s+${cmd}\\b`, "m"));
});

Deno.test("an unknown command or option exits 2 with an error line and a hint line", async () => {
  for (const args of [["nosuchcommand"], ["init", "--bogus"]]) {
    const r = await k8zner(args);
    assertEquals(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    const lines = r.stderr.trim().split("\n");
    assertMatch(lines[0]!, /^error: /);
    assertMatch(lines.at(-1)!, /^hint: /);
    assertEquals(r.stdout, "");
  }
});

Deno.test("version --json prints one JSON document on stdout and nothing on stderr", async () => {
  const r = await k8zner(["version", "--json"]);
  assertEquals(r.code, 0, r.stderr);
  assertEquals(r.stderr, "");
  const facts = JSON.parse(r.stdout);
  assertOk(typeof facts.version === "string" && typeof facts.deno === "string");
});

Deno.test("init without a terminal and without flags exits 2 naming the missing flags, writing nothing", async () => {
  await inTempDir(async (dir) => {
    const r = await k8zner(["init"], { cwd: dir });
    assertEquals(r.code, 2, r.stderr);
    const [first, second] = r.stderr.trim().split("\n");
    assertEquals(
      first,
      "error: missing required flags: --name, --region, --mode, --workers, --worker-size " +
        "(stdin is not a terminal, so init cannot ask)",
    );
    assertMatch(second!, /^hint: e\.g\. k8zner init --name /);
    assertEquals([...Deno.readDirSync(dir)], []);
  });
});

Deno.test("init with flags writes a 0600 file, refuses to overwrite it (exit 2) and --force replaces it", async () => {
  await inTempDir(async (dir) => {
    const first = await k8zner(["init", ...INIT_FLAGS, "--yes"], { cwd: dir });
    assertEquals(first.code, 0, first.stderr);
    assertEquals(first.stdout.trim(), `Wrote ${dir}/k8zner.yaml`);
    const path = `${dir}/k8zner.yaml`;
    assertEquals(Deno.statSync(path).mode! & 0o777, 0o600);
    const before = Deno.readTextFileSync(path);
    assertIncludes(before, "name: demo");

    const again = await k8zner(["init", ...INIT_FLAGS, "--name", "other", "--yes"], { cwd: dir });
    assertEquals(again.code, 2, again.stderr);
    assertMatch(again.stderr, /^error: Cannot write ".*k8zner\.yaml": the file exists\nhint: .*--force/);
    assertEquals(Deno.readTextFileSync(path), before);

    const forced = await k8zner(["init", ...INIT_FLAGS, "--name", "other", "--yes", "--force"], { cwd: dir });
    assertEquals(forced.code, 0, forced.stderr);
    assertIncludes(Deno.readTextFileSync(path), "name: other");
  });
});

Deno.test("init --json prints only JSON on stdout", async () => {
  await inTempDir(async (dir) => {
    const r = await k8zner(["init", ...INIT_FLAGS, "--yes", "--json", "-o", "x.yaml"], { cwd: dir });
    assertEquals(r.code, 0, r.stderr);
    assertEquals(JSON.parse(r.stdout).path, `${dir}/x.yaml`);
  });
});

Deno.test("a failure that is not a usage error exits 1, and -v adds the cause chain", async () => {
  const args = ["init", ...INIT_FLAGS, "--yes", "-o", "/etc/hostname/k8zner.yaml"];
  const plain = await k8zner(args);
  assertEquals(plain.code, 1, plain.stderr);
  assertEquals(plain.stderr.trim().split("\n").slice(0, 2), [
    `error: Cannot write "/etc/hostname/k8zner.yaml"`,
    "hint: check the path and its permissions",
  ]);
  assertNotMatch(plain.stderr, /caused by/);
  const verbose = await k8zner([...args, "-v"]);
  assertEquals(verbose.code, 1);
  assertMatch(verbose.stderr, /caused by: Not a directory/);
});

const SCRIPT = binary("script", { apt: "bsdutils" });

/** Runs `init` in a pseudo-terminal (util-linux `script`), presses Ctrl-C at the first prompt. */
async function initInTerminal(env: Record<string, string>): Promise<{ code: number; screen: string }> {
  const cmd = `stty cols 100 rows 30; exec '${Deno.execPath()}' run -A '${MAIN}' init -o /nonexistent-dir/k.yaml`;
  const child = new Deno.Command(SCRIPT.path, {
    args: ["-qec", cmd, "/dev/null"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    clearEnv: true,
    env: { PATH: Deno.env.get("PATH") ?? "", HOME: Deno.env.get("HOME") ?? "/tmp", TERM: "xterm", ...env },
  }).spawn();
  const writer = child.stdin.getWriter();
  let screen = "";
  const reader = child.stdout.getReader();
  const deadline = Date.now() + 10_000;
  while (!screen.includes("Cluster name") && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    screen += dec.decode(value);
  }
  await writer.write(new Uint8Array([3])); // Ctrl-C
  await writer.close();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    screen += dec.decode(value);
  }
  const status = await child.status;
  await child.stderr.cancel();
  return { code: status.code, screen };
}

// deno-lint-ignore no-control-regex -- matching ANSI colour escapes is the point
const SGR_COLOUR = /\x1b\[(3[0-9]|9[0-7]|2|7|9)m/;

Deno.test(requires([SCRIPT], {
  name: "the interactive wizard uses colour on a terminal, none with NO_COLOR or CI, and Ctrl-C exits 130",
  fn: async () => {
    const coloured = await initInTerminal({});
    assertIncludes(coloured.screen, "Cluster name");
    assertMatch(coloured.screen, SGR_COLOUR, "expected colour on a plain terminal");
    assertEquals(coloured.code, 130, coloured.screen);
    assertIncludes(coloured.screen, "error: init cancelled; nothing was written");
    for (const env of [{ NO_COLOR: "1" }, { CI: "true" }] as Record<string, string>[]) {
      const plain = await initInTerminal(env);
      assertIncludes(plain.screen, "Cluster name");
      assertNotMatch(plain.screen, SGR_COLOUR, `colour despite ${JSON.stringify(env)}`);
      assertEquals(plain.code, 130);
    }
  },
}));
