import { parse } from "yaml";
import { assertEquals, assertIncludes, assertOk, assertRejects, fail } from "../../tests/assert.ts";
import { scriptedPrompter, type Step } from "../../tests/cli/scripted_prompter.ts";
import { CANCEL, type Prompter, WizardCancelledError } from "../config/wizard.ts";
import { UsageError } from "../lib/errors.ts";
import type { CliContext } from "./context.ts";
import { type InitDeps, type InitFlags, parseInitFlags, runInit } from "./init_run.ts";

interface Harness {
  ctx: CliContext;
  out: string[];
  err: string[];
  dir: string;
}

async function withDir(stdinIsTty: boolean, fn: (h: Harness) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  const out: string[] = [];
  const err: string[] = [];
  const ctx: CliContext = {
    io: { out: (t) => out.push(t), err: (t) => err.push(t), stdoutIsTty: stdinIsTty, stdinIsTty },
    env: () => undefined,
    cwd: dir,
    color: false,
  };
  try {
    await fn({ ctx, out, err, dir });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const noPrompts: InitDeps = { createPrompter: () => fail("init must not prompt here") };
const withPrompter = (p: Prompter): InitDeps => ({ createPrompter: () => Promise.resolve(p) });

const allFlags: InitFlags = {
  name: "demo",
  region: "hel1",
  mode: "ha",
  workers: "3",
  workerSize: "cx33",
  yes: true,
};

async function listDir(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  return names.sort();
}

Deno.test("init with every required flag and --yes writes k8zner.yaml with mode 0600 and defaults", async () => {
  await withDir(true, async ({ ctx, out, dir }) => {
    await runInit({ ...allFlags, monitoring: true, allowlist: "198.51.100.0/24" }, ctx, noPrompts);
    const path = `${dir}/k8zner.yaml`;
    assertEquals((await Deno.stat(path)).mode! & 0o777, 0o600);
    assertEquals(parse(await Deno.readTextFile(path)), {
      name: "demo",
      region: "hel1",
      mode: "ha",
      workers: { count: 3, size: "cx33" },
      control_plane: { size: "cx23" },
      monitoring: true,
      backup: false,
      api_allowlist: ["198.51.100.0/24"],
    });
    assertEquals(out, [`Wrote ${path}`]);
    assertEquals(await listDir(dir), ["k8zner.yaml"], "no temporary file is left behind");
  });
});

Deno.test("init without a terminal on stdin fails with exit 2 naming the missing flags, writing nothing", async () => {
  await withDir(false, async ({ ctx, dir }) => {
    const err = await runInit({ name: "demo", workers: "2" }, ctx, noPrompts).then(() => undefined, (e) => e);
    assertOk(err instanceof UsageError, `expected UsageError, got ${err}`);
    assertIncludes(err.message, "--region, --mode, --worker-size");
    assertIncludes(err.message, "stdin is not a terminal");
    assertOk(err.hint?.includes("--yes"));
    assertEquals(await listDir(dir), []);
  });
});

Deno.test("init refuses to overwrite an existing file without --force and leaves it untouched", async () => {
  await withDir(true, async ({ ctx, dir }) => {
    const path = `${dir}/k8zner.yaml`;
    await Deno.writeTextFile(path, "keep: me\n", { mode: 0o644 });
    await assertRejects(runInit(allFlags, ctx, noPrompts), (e: unknown) => {
      assertOk(e instanceof UsageError);
      assertIncludes(e.message, "the file exists");
      assertIncludes(e.hint ?? "", "--force");
      return true;
    });
    assertEquals(await Deno.readTextFile(path), "keep: me\n");
    assertEquals(await listDir(dir), ["k8zner.yaml"]);
  });
});

Deno.test("init --force replaces the file and narrows its mode to 0600", async () => {
  await withDir(false, async ({ ctx, dir }) => {
    const path = `${dir}/custom.yaml`;
    await Deno.writeTextFile(path, "old: true\n");
    await Deno.chmod(path, 0o644);
    await runInit({ ...allFlags, output: "custom.yaml", force: true }, ctx, noPrompts);
    assertEquals((await Deno.stat(path)).mode! & 0o777, 0o600);
    assertEquals(parse(await Deno.readTextFile(path)).name, "demo");
  });
});

Deno.test("init reports every invalid flag at once, each with its flag and the allowed values", () => {
  const { problems } = parseInitFlags({
    name: "Bad_Name",
    region: "ash",
    mode: "prod",
    workers: "51",
    workerSize: "cax11",
    controlPlaneSize: "cpx62",
    domain: "nodot",
    allowlist: "10.0.0.1/8,banana",
    certEmail: "x@y.io",
  });
  const text = problems.join("\n");
  for (
    const expected of [
      `--name "Bad_Name"`,
      `--region "ash": "ash" is not supported; allowed: fsn1, nbg1, hel1`,
      `--mode "prod": "prod" is not supported; allowed: dev, ha`,
      `--workers "51": is 51; must be from 1 to 50`,
      `--worker-size "cax11": "cax11" is an ARM server type`,
      `--control-plane-size "cpx62"`,
      `--domain "nodot"`,
      `"10.0.0.1/8" is not a valid CIDR`,
      `"banana" is not a valid CIDR`,
    ]
  ) assertIncludes(text, expected);
  assertEquals(problems.length, 8, text);
});

Deno.test("init accepts retired size names as the validator does and rejects subdomain flags without --domain", () => {
  const ok = parseInitFlags({ workerSize: "cx22", controlPlaneSize: "cx42" });
  assertEquals(ok, { answers: { workerSize: "cx23", controlPlaneSize: "cx43" }, problems: [] });
  // Case matters in the file, so it matters in flags too.
  assertIncludes(parseInitFlags({ workerSize: "CX22" }).problems.join(), `did you mean "cx22"?`);
  assertEquals(parseInitFlags({ argoSubdomain: "argo" }).problems, ["--argo-subdomain needs --domain"]);
});

Deno.test("init on a terminal asks only what the flags leave open, shows the file and writes it on yes", async () => {
  await withDir(true, async ({ ctx, dir }) => {
    const p = scriptedPrompter([
      { select: /Control-plane size/, answer: "cx33" },
      { text: /Domain/, answers: ["example.com"] },
      { text: /Email/, answers: ["admin@example.com"] },
      { text: /Argo CD/, answers: ["argo"] },
      { confirm: /monitoring/, answer: false },
      { confirm: /Back up/, answer: false },
      { text: /CIDRs/, answers: [""] },
      { confirm: /Write .*k8zner\.yaml/, answer: true },
    ]);
    const { yes: _, ...flags } = allFlags;
    await runInit(flags, ctx, withPrompter(p));
    p.assertDone();
    assertIncludes(p.transcript.notes.join("\n"), "domain: example.com");
    const spec = parse(await Deno.readTextFile(`${dir}/k8zner.yaml`));
    assertEquals(spec.control_plane, { size: "cx33" });
    assertEquals(spec.cert_email, "admin@example.com");
  });
});

/** Every question of a full interactive run, ending with the answer to "Write …?". */
function fullScript(write: boolean | typeof CANCEL, mode = "dev"): Step[] {
  return [
    { text: /Cluster name/, answers: ["demo"] },
    { select: /Region/, answer: "fsn1" },
    { select: /Mode/, answer: mode },
    { select: /Number of workers/, answer: 1 },
    { select: /Worker size/, answer: "cx23" },
    { select: /Control-plane size/, answer: "cx23" },
    { text: /Domain/, answers: [""] },
    { confirm: /monitoring/, answer: false },
    { confirm: /Back up/, answer: false },
    { text: /CIDRs/, answers: [""] },
    { confirm: /Write/, answer: write },
  ];
}

for (
  const [where, steps] of [
    ["at the first question", [{ text: /Cluster name/, answers: [CANCEL] }]],
    ["at the final confirmation (Ctrl-C)", fullScript(CANCEL)],
  ] as [string, Step[]][]
) {
  Deno.test(`init cancelled ${where} exits 130 and writes nothing`, async () => {
    await withDir(true, async ({ ctx, dir }) => {
      const p = scriptedPrompter(steps);
      const err = await runInit({}, ctx, withPrompter(p)).then(() => undefined, (e) => e);
      p.assertDone();
      assertOk(err instanceof WizardCancelledError, `expected WizardCancelledError, got ${err}`);
      assertEquals(err.exitCode, 130);
      assertEquals(await listDir(dir), []);
    });
  });
}

Deno.test("init answered 'no' at 'Write …?' ends normally (exit 0) saying nothing was written", async () => {
  await withDir(true, async ({ ctx, out, err, dir }) => {
    const p = scriptedPrompter(fullScript(false));
    await runInit({}, ctx, withPrompter(p));
    p.assertDone();
    assertEquals(p.transcript.outros, [`Nothing was written to ${dir}/k8zner.yaml`]);
    assertEquals(await listDir(dir), []);
    assertEquals([...out, ...err], [], "no 'Wrote' line and no next steps");
  });
});

Deno.test("init writes the meaning of the chosen mode above 'mode: ha', not the text of dev", async () => {
  await withDir(true, async ({ ctx, dir }) => {
    const p = scriptedPrompter(fullScript(true, "ha"));
    await runInit({}, ctx, withPrompter(p));
    const text = await Deno.readTextFile(`${dir}/k8zner.yaml`);
    const lines = text.split("\n");
    const at = lines.indexOf("mode: ha");
    assertEquals(
      lines[at - 1],
      "# ha: three control planes spread over hosts (dev: one control plane that also runs workloads).",
    );
    const labels = p.transcript.labels.get("Mode")!;
    assertEquals(labels, [
      "Development: 1 control plane (also runs workloads)",
      "High availability: 3 control planes across hosts",
    ]);
    assertEquals(p.transcript.questions.includes("Control-plane size (each of 3)"), true);
  });
});

Deno.test("init's next steps name validate, plan and apply, with -c for a file other than ./k8zner.yaml", async () => {
  await withDir(false, async ({ ctx, err, dir }) => {
    await runInit({ ...allFlags, output: "prod.yaml" }, ctx, noPrompts);
    assertEquals(
      err.join("\n"),
      [
        "Next steps:",
        "  1. export HCLOUD_TOKEN=…",
        `  2. k8zner config validate -c ${dir}/prod.yaml`,
        `  3. k8zner plan -c ${dir}/prod.yaml     # what apply would create, with monthly costs`,
        `  4. k8zner apply -c ${dir}/prod.yaml    # create the cluster`,
      ].join("\n"),
    );
  });
});

Deno.test("init's preview wraps long comments inside the note and keeps their '#'", async () => {
  await withDir(true, async ({ ctx, dir }) => {
    const p = scriptedPrompter(
      [
        { select: /Control-plane size/, answer: "cx23" },
        { text: /Domain/, answers: ["example.com"] },
        { text: /Email/, answers: ["admin@example.com"] },
        { text: /Argo CD/, answers: ["argo"] },
        { confirm: /monitoring/, answer: true },
        { text: /Grafana/, answers: ["grafana"] },
        { confirm: /Back up/, answer: false },
        { text: /CIDRs/, answers: [""] },
        { confirm: /Write/, answer: true },
      ],
      { noteWidth: 60 },
    );
    const { yes: _, ...flags } = allFlags;
    await runInit(flags, ctx, withPrompter(p));
    const preview = p.transcript.notes[0]!;
    const written = await Deno.readTextFile(`${dir}/k8zner.yaml`);
    assertOk(written.split("\n").some((l) => l.startsWith("#") && l.length > 60), "the case needs a long comment");
    for (const line of preview.split("\n")) {
      assertOk(line.length <= 60, `preview line longer than the note: ${line}`);
    }
    // Same lines once comments are dropped: only comments were wrapped, each continuation still a comment.
    const code = (t: string) => t.split("\n").filter((l) => !/^\s*#/.test(l) && l !== "").join("\n");
    assertEquals(code(preview), code(written));
    assertEquals(parse(preview), parse(written));
  });
});

Deno.test("init --json prints the path and spec as JSON only", async () => {
  await withDir(false, async ({ ctx, out, dir }) => {
    await runInit({ ...allFlags, json: true }, ctx, noPrompts);
    assertEquals(out.length, 1);
    const data = JSON.parse(out[0]!);
    assertEquals(data.path, `${dir}/k8zner.yaml`);
    assertEquals(data.spec.workers, { count: 3, size: "cx33" });
  });
});

Deno.test("init -o into a missing directory is a usage error", async () => {
  await withDir(false, async ({ ctx }) => {
    await assertRejects(
      runInit({ ...allFlags, output: "nope/k8zner.yaml" }, ctx, noPrompts),
      (e: unknown) => e instanceof UsageError && /does not exist/.test(e.message),
    );
  });
});

Deno.test("the file init writes loads back through parseConfig to the same spec", async () => {
  const { parseConfig } = await import("../config/mod.ts");
  await withDir(false, async ({ ctx, dir }) => {
    await runInit(
      { ...allFlags, domain: "example.com", monitoring: true, backup: true, allowlist: "1.2.3.4" },
      ctx,
      noPrompts,
    );
    const text = await Deno.readTextFile(`${dir}/k8zner.yaml`);
    const { spec, problems } = parseConfig(text, "k8zner.yaml");
    assertEquals(problems, []);
    assertEquals(spec?.api_allowlist, ["1.2.3.4/32"]);
    assertEquals(spec?.grafana_subdomain, "grafana");
    assertEquals(spec?.backup, true);
  });
});

Deno.test("init refuses answers that only fail together (a long name with backup) and writes nothing", async () => {
  await withDir(false, async ({ ctx, dir }) => {
    const name = "a".repeat(55); // fine alone (<= 58), too long for the backup bucket name (<= 50)
    const err = await runInit({ ...allFlags, name, backup: true }, ctx, noPrompts).then(() => undefined, (e) => e);
    assertOk(err instanceof UsageError, `expected UsageError, got ${err}`);
    assertIncludes(err.message, "the answers do not make a valid config");
    assertIncludes(err.message, "name");
    assertEquals(await listDir(dir), []);
  });
});
