import { Option } from "@commander-js/extra-typings";
import { assertEquals, assertIncludes, assertMatch, assertOk } from "../../tests/assert.ts";
import {
  describeCommandTree,
  listCommands,
  renderBashCompletion,
  renderCompletion,
  renderFishCompletion,
  renderZshCompletion,
  SHELLS,
} from "./completion.ts";
import type { CliContext } from "./context.ts";
import { binary, requires } from "../../tests/requirements.ts";
import { createProgram } from "./program.ts";

function fakeContext(out: string[] = []): CliContext {
  return {
    io: { out: (t) => out.push(t), err: () => {}, stdoutIsTty: false, stdinIsTty: false },
    env: () => undefined,
    cwd: "/nowhere",
    color: false,
  };
}

/** The real program plus a nested command registered after completion, as later issues will add. */
function programWithLateCommand() {
  const program = createProgram(fakeContext());
  const late = program.command("zzlate").description("a command registered after completion");
  late.command("inner").description("nested: it's quoted").addOption(
    new Option("--colour <c>", "pick [one]: red or blue").choices(["red", "blue"]),
  ).action(() => {});
  return program;
}

const ZSH = binary("zsh");
const FISH = binary("fish");

async function runShell(bin: string, args: string[], script: string): Promise<{ code: number; out: string }> {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/completion`;
    await Deno.writeTextFile(file, script);
    const r = await new Deno.Command(bin, {
      args: args.map((a) => a.replaceAll("$FILE", file)),
      stdout: "piped",
      stderr: "piped",
      env: { HOME: dir },
    }).output();
    const dec = new TextDecoder();
    return { code: r.code, out: dec.decode(r.stdout) + dec.decode(r.stderr) };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("describeCommandTree() lists every registered command, including ones added after completion", () => {
  const tree = describeCommandTree(programWithLateCommand());
  const paths = listCommands(tree).map((c) => c.path.join(" "));
  for (const p of ["k8zner", "k8zner version", "k8zner completion", "k8zner zzlate", "k8zner zzlate inner"]) {
    assertOk(paths.includes(p), `missing ${p} in ${paths.join(", ")}`);
  }
  const completion = listCommands(tree).find((c) => c.name === "completion")!;
  assertEquals(completion.argChoices, ["bash", "zsh", "fish", "powershell"]);
  const inner = listCommands(tree).find((c) => c.name === "inner")!;
  const colour = inner.options.find((o) => o.long === "--colour")!;
  assertEquals(colour.choices, ["red", "blue"]);
  assertOk(inner.options.some((o) => o.long === "--verbose"), "root options are inherited by subcommands");
});

for (const shell of SHELLS) {
  Deno.test(`the ${shell} script mentions every registered command`, () => {
    const program = programWithLateCommand();
    const script = renderCompletion(shell, describeCommandTree(program));
    for (const c of listCommands(describeCommandTree(program)).slice(1)) {
      assertMatch(script, new RegExp(`\\b${c.name}\\b`), `${shell} script lacks command ${c.name}`);
    }
  });
}

Deno.test("the bash script passes bash -n and completes commands, nested commands and option choices", async () => {
  const script = renderBashCompletion(describeCommandTree(programWithLateCommand()));
  const syntax = await runShell("bash", ["-n", "$FILE"], script);
  assertEquals(syntax, { code: 0, out: "" });
  const complete = async (words: string[]) => {
    const setup = `source "$FILE"; COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); ` +
      `COMP_CWORD=${words.length - 1}; _k8zner; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const r = await runShell("bash", ["-c", setup], script);
    assertEquals(r.code, 0, r.out);
    return r.out.trim().split("\n").filter((l) => l !== "").sort();
  };
  assertEquals(await complete(["k8zner", "ve"]), ["version"]);
  assertEquals(await complete(["k8zner", "help", "ve"]), ["version"]);
  assertEquals(await complete(["k8zner", "completion", ""]), ["bash", "fish", "powershell", "zsh"]);
  assertEquals(await complete(["k8zner", "zzlate", "in"]), ["inner"]);
  assertEquals(await complete(["k8zner", "zzlate", "inner", "--colour", "r"]), ["red"]);
  // A value after a value-taking option is not mistaken for a subcommand.
  assertEquals(await complete(["k8zner", "zzlate", "inner", "--colour", "red", "--co"]), ["--colour"]);
  assertIncludes((await complete(["k8zner", "version", "--"])).join(" "), "--json");
});

Deno.test(requires([ZSH], {
  name: "the zsh script passes zsh -n",
  fn: async () => {
    const script = renderZshCompletion(describeCommandTree(programWithLateCommand()));
    assertEquals(await runShell(ZSH.path, ["-n", "$FILE"], script), { code: 0, out: "" });
  },
}));

Deno.test(requires([FISH], {
  name: "the fish script passes fish -n and completes commands and option choices",
  fn: async () => {
    const script = renderFishCompletion(describeCommandTree(programWithLateCommand()));
    assertEquals(await runShell(FISH.path, ["-n", "$FILE"], script), { code: 0, out: "" });
    const complete = async (line: string) => {
      const r = await runShell(FISH.path, ["-c", `source $FILE; complete -C '${line}'`], script);
      assertEquals(r.code, 0, r.out);
      return r.out.trim().split("\n").map((l) => l.split("\t")[0]!).sort();
    };
    assertEquals(await complete("k8zner ve"), ["version"]);
    assertEquals(await complete("k8zner completion "), ["bash", "fish", "powershell", "zsh"]);
    assertEquals(await complete("k8zner zzlate "), ["help", "inner"]);
    assertEquals(await complete("k8zner zzlate inner --colour "), ["blue", "red"]);
  },
}));

Deno.test("k8zner completion prints the script for the chosen shell and rejects unknown shells with exit 2", async () => {
  const out: string[] = [];
  const program = createProgram(fakeContext(out));
  await program.parseAsync(["completion", "bash"], { from: "user" });
  assertIncludes(out.join("\n"), "complete -F _k8zner k8zner");
  const { UsageError } = await import("../lib/errors.ts");
  let thrown: unknown;
  try {
    await createProgram(fakeContext()).parseAsync(["completion", "tcsh"], { from: "user" });
  } catch (err) {
    thrown = err;
  }
  assertOk(thrown instanceof UsageError, `expected UsageError, got ${thrown}`);
  assertIncludes(thrown.message, "tcsh");
});
