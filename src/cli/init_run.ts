/**
 * What `k8zner init` does once its flags are parsed: check them with the config rules, ask the rest
 * (only on a terminal), validate the result and write k8zner.yaml with mode 0600. Loaded by the
 * command's action, so `k8zner --help` never loads the config parser.
 *
 * @module
 */
import { basename, dirname, resolve } from "node:path";
import { COMMENT_WIDTH } from "../config/render.ts";
import {
  CANCEL,
  type InitAnswers,
  listMissingFlags,
  type PriceLookup,
  type Prompter,
  renderSpecFromAnswers,
  runWizard,
  splitAllowlist,
  WizardCancelledError,
} from "../config/wizard.ts";
import {
  checkAllowlist,
  checkDomain,
  checkEmail,
  checkName,
  checkSubdomain,
  parseMode,
  parseRegion,
  parseSize,
  parseWorkerCount,
} from "../config/wizard_rules.ts";
import type { Spec } from "../config/spec.ts";
import { UsageError, UserFacingError } from "../lib/errors.ts";
import type { CliContext } from "./context.ts";
import type { PriceLookupOptions } from "./init_prices.ts";

/** The flags of `k8zner init`, as commander hands them over (raw strings). */
export interface InitFlags {
  output?: string;
  force?: boolean;
  yes?: boolean;
  json?: boolean;
  name?: string;
  region?: string;
  mode?: string;
  workers?: string;
  workerSize?: string;
  controlPlaneSize?: string;
  domain?: string;
  certEmail?: string;
  argoSubdomain?: string;
  grafanaSubdomain?: string;
  monitoring?: boolean;
  backup?: boolean;
  allowlist?: string;
}

/** What `init` needs from the outside world besides the context. */
export interface InitDeps {
  /** Creates the interactive prompter; called only when prompting is allowed. */
  createPrompter(): Promise<Prompter>;
  /** fetch, sleep and timeout of the price lookup (tests); the lookup runs only with HCLOUD_TOKEN set. */
  prices?: PriceLookupOptions;
}

/**
 * Checks every given flag with the config rules and turns them into wizard answers. All problems
 * are reported at once, each naming its flag.
 */
export function parseInitFlags(flags: InitFlags): { answers: InitAnswers; problems: string[] } {
  const answers: InitAnswers = {};
  const problems: string[] = [];
  const text = (flag: string, value: string | undefined, check: (v: string) => string | undefined) => {
    if (value === undefined) return undefined;
    const problem = check(value);
    if (problem) problems.push(`${flag} "${value}": ${problem}`);
    return problem ? undefined : value;
  };
  const parsed = <T>(flag: string, value: string | undefined, parse: (v: string) => ParsedLike<T>) => {
    if (value === undefined) return undefined;
    const r = parse(value);
    if (!r.ok) problems.push(`${flag} "${value}": ${r.problem}`);
    return r.ok ? r.value : undefined;
  };
  answers.name = text("--name", flags.name, checkName);
  answers.region = parsed("--region", flags.region, parseRegion);
  answers.mode = parsed("--mode", flags.mode, parseMode);
  answers.workers = parsed("--workers", flags.workers, parseWorkerCount);
  answers.workerSize = parsed("--worker-size", flags.workerSize, (v) => parseSize(v, "workers.size"));
  answers.controlPlaneSize = parsed(
    "--control-plane-size",
    flags.controlPlaneSize,
    (v) => parseSize(v, "control_plane.size"),
  );
  if (flags.domain !== undefined) {
    answers.domain = flags.domain.trim() === "" ? "" : text("--domain", flags.domain.trim(), checkDomain);
  }
  answers.certEmail = text("--cert-email", flags.certEmail, checkEmail);
  answers.argoSubdomain = text("--argo-subdomain", flags.argoSubdomain, (v) => checkSubdomain(v, "argo_subdomain"));
  answers.grafanaSubdomain = text(
    "--grafana-subdomain",
    flags.grafanaSubdomain,
    (v) => checkSubdomain(v, "grafana_subdomain"),
  );
  const needsDomain: [string, unknown][] = [
    ["--cert-email", flags.certEmail],
    ["--argo-subdomain", flags.argoSubdomain],
    ["--grafana-subdomain", flags.grafanaSubdomain],
  ];
  for (const [flag, value] of needsDomain) {
    if (value !== undefined && !flags.domain) problems.push(`${flag} needs --domain`);
  }
  answers.monitoring = flags.monitoring;
  answers.backup = flags.backup;
  if (flags.allowlist !== undefined) {
    const cidrs = splitAllowlist(flags.allowlist);
    const problem = checkAllowlist(cidrs);
    if (problem) problems.push(`--allowlist: ${problem}`);
    else answers.allowlist = cidrs;
  }
  for (const key of Object.keys(answers) as (keyof InitAnswers)[]) {
    if (answers[key] === undefined) delete answers[key];
  }
  return { answers, problems };
}

type ParsedLike<T> = { ok: true; value: T } | { ok: false; problem: string };

/**
 * Renders the file `init` writes with the config's own renderer and validates the text again with
 * the config's parser, so `init` never writes a file `config validate` would reject (this also
 * applies cross-field rules, e.g. the shorter name limit with `backup`). Loaded lazily to keep
 * `--help` fast. `commentWidth` narrows the comments (for the preview in a terminal).
 */
export async function renderInitFile(spec: Spec, target: string, commentWidth?: number): Promise<string> {
  const { formatProblems, parseConfig, renderSpecYaml } = await import("../config/mod.ts");
  const text = renderSpecYaml(spec, { commentWidth });
  const { problems } = parseConfig(text, target);
  if (problems.length > 0) {
    throw new UsageError(
      `Cannot write "${target}": the answers do not make a valid config:\n${
        formatProblems(basename(target), problems)
      }`,
      {
        hint: "change the answers named above and run k8zner init again",
      },
    );
  }
  return text;
}

/** Runs `k8zner init`. Exported for tests; the command wires it to commander. */
export async function runInit(flags: InitFlags, ctx: CliContext, deps: InitDeps): Promise<void> {
  const target = resolve(ctx.cwd, flags.output ?? "k8zner.yaml");
  if (!flags.force && await exists(target)) {
    throw new UsageError(`Cannot write "${target}": the file exists`, {
      hint: "pass --force to overwrite it, or -o PATH to write somewhere else",
    });
  }
  const { answers, problems } = parseInitFlags(flags);
  if (problems.length > 0) {
    throw new UsageError(`invalid flags: ${problems.join("; ")}`, { hint: "see k8zner init --help" });
  }
  const interactive = ctx.io.stdinIsTty && !flags.yes;
  let spec: Spec;
  let prompter: Prompter | undefined;
  if (interactive) {
    prompter = await deps.createPrompter();
    prompter.intro("k8zner init");
    spec = await runWizard(prompter, answers, { prices: startPriceLookup(ctx, answers, deps) });
    // The preview's comments are wrapped to fit the note: clack would wrap them itself, without "#".
    const width = Math.min(prompter.noteWidth ?? COMMENT_WIDTH, COMMENT_WIDTH);
    prompter.note((await renderInitFile(spec, target, width)).trimEnd(), basename(target));
    const ok = await prompter.confirm({ message: `Write ${target}?`, initial: true });
    if (ok === CANCEL) throw new WizardCancelledError();
    if (!ok) {
      // A considered "no" is an answer, not an interruption: exit 0.
      prompter.outro(`Nothing was written to ${target}`);
      return;
    }
  } else {
    const missing = listMissingFlags(answers);
    if (missing.length > 0) {
      const why = flags.yes ? "--yes was given" : "stdin is not a terminal";
      throw new UsageError(`missing required flags: ${missing.join(", ")} (${why}, so init cannot ask)`, {
        hint: "e.g. k8zner init --name demo --region fsn1 --mode dev --workers 2 --worker-size cx33 --yes",
      });
    }
    spec = renderSpecFromAnswers(answers);
  }
  await writeConfigFile(target, await renderInitFile(spec, target), Boolean(flags.force));
  if (flags.json) {
    ctx.io.out(JSON.stringify({ path: target, spec }, null, 2));
    return;
  }
  if (prompter) prompter.outro(`Wrote ${target}`);
  else ctx.io.out(`Wrote ${target}`);
  ctx.io.err(renderNextSteps(spec, target, ctx.cwd));
}

/**
 * Starts fetching live prices for the size menus, only when a size will be asked and a token is set
 * (without one no request is made). The wizard awaits the promise when it reaches the menu.
 */
function startPriceLookup(ctx: CliContext, answers: InitAnswers, deps: InitDeps): Promise<PriceLookup> | undefined {
  if (answers.workerSize !== undefined && answers.controlPlaneSize !== undefined) return undefined;
  if ((ctx.env("HCLOUD_TOKEN") ?? "").trim() === "") return undefined;
  return import("./init_prices.ts").then((m) => m.lookUpSizePrices(ctx, deps.prices));
}

/** What to run after `init`, in order; `-c` is added when the file is not the default one. */
export function renderNextSteps(spec: Spec, target: string, cwd: string): string {
  const configFlag = target === resolve(cwd, "k8zner.yaml") ? "" : ` -c ${target}`;
  const env = ["HCLOUD_TOKEN"];
  if (spec.domain) env.push("CF_API_TOKEN");
  if (spec.backup) env.push("HETZNER_S3_ACCESS_KEY", "HETZNER_S3_SECRET_KEY");
  return [
    "Next steps:",
    `  1. export ${env.map((e) => `${e}=…`).join(" ")}`,
    `  2. k8zner config validate${configFlag}`,
    `  3. k8zner plan${configFlag}     # what apply would create, with monthly costs`,
    `  4. k8zner apply${configFlag}    # create the cluster`,
  ].join("\n");
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw new UserFacingError(`Cannot write "${path}"`, { hint: "check the path and its permissions", cause: err });
  }
}

/**
 * Writes the file with mode 0600 through a temporary file in the same directory. Without `force`
 * the final step is a hard link, which fails if the file appeared meanwhile: nothing is clobbered.
 */
async function writeConfigFile(path: string, text: string, force: boolean): Promise<void> {
  const tmp = `${dirname(path)}/.${basename(path)}.tmp-${crypto.randomUUID()}`;
  try {
    await Deno.writeTextFile(tmp, text, { createNew: true, mode: 0o600 });
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new UsageError(`Cannot write "${path}": directory "${dirname(path)}" does not exist`, { cause: err });
    }
    throw new UserFacingError(`Cannot write "${path}"`, {
      hint: "check the directory and its permissions",
      cause: err,
    });
  }
  try {
    await Deno.chmod(tmp, 0o600);
    if (force) {
      await Deno.rename(tmp, path);
      return;
    }
    await Deno.link(tmp, path);
  } catch (err) {
    if (err instanceof Deno.errors.AlreadyExists) {
      throw new UsageError(`Cannot write "${path}": the file exists`, { hint: "pass --force to overwrite it" });
    }
    throw err;
  } finally {
    await Deno.remove(tmp).catch(() => {});
  }
}
