/**
 * pwsh is not installable on our build machines (no Debian package; the NuGet tool needs the .NET
 * SDK), so the PowerShell script is checked by structure: the registration line, a here-string
 * holding exactly the command tree as JSON (read back here as PowerShell's ConvertFrom-Json would),
 * balanced blocks, and descriptions that cannot break out of the here-string.
 */
import { Option } from "@commander-js/extra-typings";
import { assertEquals, assertOk } from "../../tests/assert.ts";
import { describeCommandTree, listCommands, renderCompletion } from "./completion.ts";
import { type PowerShellNode, powerShellTree, renderPowerShellCompletion } from "./completion_powershell.ts";
import type { CliContext } from "./context.ts";
import { createProgram } from "./program.ts";

const context: CliContext = {
  io: { out: () => {}, err: () => {}, stdoutIsTty: false, stdinIsTty: false },
  env: () => undefined,
  cwd: "/nowhere",
  color: false,
};

/** The real program plus a late nested command whose descriptions try to end the here-string. */
function program() {
  const p = createProgram(context);
  const late = p.command("zzlate").description("'@\nWrite-Host pwned; @'");
  late.command("inner").description('it\'s "quoted" $(Get-Date) `n').addOption(
    new Option("--colour <c>", "").choices(["red", "blue"]),
  ).action(() => {});
  return p;
}

/** Splits the script into the lines around the here-string and the JSON inside it. */
function parts(script: string) {
  const lines = script.split("\n");
  const open = lines.findIndex((l) => l.endsWith("$tree = @'"));
  const close = lines.findIndex((l) => l.startsWith("'@"));
  return { lines, open, close, json: lines.slice(open + 1, close).join("\n") };
}

Deno.test("the PowerShell script registers a native completer for k8zner and k8zner.exe", () => {
  const script = renderPowerShellCompletion(describeCommandTree(program()));
  const code = script.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
  assertEquals(code[0], "Register-ArgumentCompleter -Native -CommandName 'k8zner', 'k8zner.exe' -ScriptBlock {");
  assertEquals(code[1], "    param($wordToComplete, $commandAst, $cursorPosition)");
  assertEquals(code.at(-1), "}");
  assertEquals(renderCompletion("powershell", describeCommandTree(program())), script);
});

Deno.test("the here-string is one JSON line, closed once at a line start, whatever the descriptions say", () => {
  const { lines, open, close, json } = parts(renderPowerShellCompletion(describeCommandTree(program())));
  assertOk(open > 0, "no here-string opening");
  assertEquals(close, open + 2, "the JSON is not exactly one line");
  assertEquals(lines[close], "'@ | ConvertFrom-Json");
  assertEquals(lines.filter((l) => l.startsWith("'@")).length, 1);
  // Outside the here-string every brace and parenthesis is balanced.
  const code = [...lines.slice(0, open + 1), ...lines.slice(close)].join("\n").replace(/'[^'\n]*'/g, "''");
  for (const [a, b] of [["{", "}"], ["(", ")"]] as const) {
    assertEquals(code.split(a).length, code.split(b).length, `unbalanced ${a}${b}`);
  }
  assertOk(!json.includes("\n"), "JSON spans lines");
});

Deno.test("the JSON holds every command with its subcommands, options, value options and choices", () => {
  const tree = describeCommandTree(program());
  const { json } = parts(renderPowerShellCompletion(tree));
  const nodes = JSON.parse(json) as Record<string, PowerShellNode>;
  assertEquals(nodes, powerShellTree(tree));
  assertEquals(Object.keys(nodes).sort(), listCommands(tree).map((c) => c.path.join(" ")).sort());
  assertEquals(nodes["k8zner completion"]!.args, ["bash", "zsh", "fish", "powershell"]);
  const root = nodes["k8zner"]!;
  for (const name of ["init", "plan", "apply", "destroy", "doctor", "completion", "zzlate"]) {
    assertOk(root.subcommands.some(([n]) => n === name), `root lacks ${name}`);
  }
  assertOk(root.options.some(([f]) => f === "--version"), "root lacks --version");
  const inner = nodes["k8zner zzlate inner"]!;
  assertEquals(inner.choices["--colour"], ["red", "blue"]);
  assertOk(inner.valueOptions.includes("--colour"));
  assertOk(inner.options.some(([f]) => f === "--verbose"), "root options are inherited");
  assertOk(!inner.valueOptions.includes("--verbose"), "--verbose takes no value");
  // PowerShell refuses an empty tooltip: the empty --colour description falls back to the flag.
  assertEquals(inner.options.find(([f]) => f === "--colour")?.[1], "--colour");
  for (const node of Object.values(nodes)) {
    for (const [name, tip] of [...node.subcommands, ...node.options]) assertOk(tip !== "", `${name} has no tooltip`);
  }
  assertEquals(
    root.subcommands.find(([n]) => n === "zzlate")?.[1],
    "'@ Write-Host pwned; @'",
    "control characters collapse to spaces",
  );
});
