/**
 * The `k8zner init` question flow, pure over an injected {@link Prompter}: it asks only what the
 * flags did not already answer and returns a {@link Spec}. Choices come from `spec.ts`, so the
 * wizard never offers a value the validator rejects (unlike the earlier wizard, inventory §10.6),
 * and the control-plane size is its own question rather than a copy of the worker size.
 *
 * @module
 */
import {
  DEFAULT_CONTROL_PLANE_SIZE,
  MAX_WORKERS,
  MIN_WORKERS,
  type Mode,
  type Region,
  REGION_NAMES,
  REGIONS,
  SERVER_SIZES,
  type ServerSize,
  SIZE_SPECS,
  type Spec,
} from "./spec.ts";
import { checkAllowlist, checkDomain, checkEmail, checkName, checkSubdomain, normalizeCidrs } from "./wizard_rules.ts";

/** What a prompt returns when the user cancels (Ctrl-C, Escape). */
export const CANCEL: unique symbol = Symbol("k8zner.prompt.cancel");
export type Answer<T> = T | typeof CANCEL;

/** One option of a select question. */
export interface Choice<T> {
  value: T;
  label: string;
  hint?: string;
}

/** A free-text question; `validate` returns a message when the value is not acceptable. */
export interface TextQuestion {
  message: string;
  placeholder?: string;
  initial?: string;
  validate?: (value: string) => string | undefined;
}

/** A pick-one question. */
export interface SelectQuestion<T> {
  message: string;
  choices: Choice<T>[];
  initial?: T;
}

/** A yes/no question. */
export interface ConfirmQuestion {
  message: string;
  initial?: boolean;
}

/**
 * The few interactions the wizard needs. The real one is `src/cli/prompter_clack.ts`; tests use a
 * scripted one. Every question may answer {@link CANCEL}.
 */
export interface Prompter {
  intro(title: string): void;
  note(message: string, title?: string): void;
  /** A one-line warning between questions. */
  warn(message: string): void;
  /** Columns a note's line can use before the terminal wraps it; undefined when unknown. */
  readonly noteWidth?: number;
  text(question: TextQuestion): Promise<Answer<string>>;
  select<T>(question: SelectQuestion<T>): Promise<Answer<T>>;
  confirm(question: ConfirmQuestion): Promise<Answer<boolean>>;
  outro(message: string): void;
}

/** Monthly prices of the server sizes, from a live price list. */
export interface SizePrices {
  /** Currency of the amounts, e.g. "EUR". */
  currency: string;
  /** Gross (VAT included) monthly price of one server of `size` in `region`; undefined when not listed. */
  monthlyGross(size: ServerSize, region: Region): number | undefined;
}

/** The outcome of looking prices up: the prices, or why there are none (shown once as a warning). */
export type PriceLookup = { ok: true; prices: SizePrices } | { ok: false; reason: string };

/** Options of {@link runWizard}. */
export interface WizardOptions {
  /**
   * Prices for the size menus, usually already being fetched while the first questions are asked.
   * Absent: the menus list sizes without prices.
   */
  prices?: Promise<PriceLookup>;
}

/** The user cancelled a prompt; nothing was written. Exit code 130, as for an interrupted command. */
export class WizardCancelledError extends Error {
  override name = "WizardCancelledError";
  readonly exitCode = 130;
  constructor(message = "init cancelled; nothing was written") {
    super(message);
  }
}

/**
 * Answers the wizard starts from (from flags). An absent field is asked interactively, or takes its
 * default when running non-interactively; required fields have no default.
 */
export interface InitAnswers {
  name?: string;
  region?: Region;
  mode?: Mode;
  workers?: number;
  workerSize?: ServerSize;
  controlPlaneSize?: ServerSize;
  /** `""` means "no domain" (answered, not asked again). */
  domain?: string;
  certEmail?: string;
  argoSubdomain?: string;
  grafanaSubdomain?: string;
  monitoring?: boolean;
  backup?: boolean;
  /** `[]` means "detect my public IP at apply time". */
  allowlist?: string[];
}

/** Answers without which a spec cannot be built, with the flag that gives each. */
export const REQUIRED_ANSWERS = [
  ["name", "--name"],
  ["region", "--region"],
  ["mode", "--mode"],
  ["workers", "--workers"],
  ["workerSize", "--worker-size"],
] as const satisfies readonly (readonly [keyof InitAnswers, string])[];

/** The flags a non-interactive run still needs. */
export function listMissingFlags(answers: InitAnswers): string[] {
  return REQUIRED_ANSWERS.filter(([key]) => answers[key] === undefined).map(([, flag]) => flag);
}

/** Default worker size offered by the wizard: 4 vCPU / 8 GB leaves room for the addons. */
export const DEFAULT_WORKER_SIZE: ServerSize = "cx33";
export const DEFAULT_WORKER_COUNT = 2;
/** The largest worker count the wizard offers in its menu (one placement group of workers). */
const WIZARD_MAX_WORKERS = 10;

/**
 * Builds the spec from complete answers, filling optional fields with their defaults.
 * Throws TypeError when a required answer is missing (callers check {@link listMissingFlags}).
 */
export function renderSpecFromAnswers(a: InitAnswers): Spec {
  const missing = listMissingFlags(a);
  if (missing.length > 0) throw new TypeError(`Cannot build spec: missing ${missing.join(", ")}`);
  const spec: Spec = {
    name: a.name!,
    region: a.region!,
    mode: a.mode!,
    workers: { count: a.workers!, size: a.workerSize! },
    control_plane: { size: a.controlPlaneSize ?? DEFAULT_CONTROL_PLANE_SIZE },
  };
  if (a.domain) {
    spec.domain = a.domain;
    spec.cert_email = a.certEmail || defaultCertEmail(a.domain);
    spec.argo_subdomain = a.argoSubdomain || "argo";
  }
  spec.monitoring = a.monitoring ?? false;
  if (spec.monitoring && a.domain) spec.grafana_subdomain = a.grafanaSubdomain || "grafana";
  spec.backup = a.backup ?? false;
  if (a.allowlist && a.allowlist.length > 0) spec.api_allowlist = normalizeCidrs(a.allowlist);
  return spec;
}

/** `admin@<domain>`, the certificate contact the earlier implementation used. */
export function defaultCertEmail(domain: string): string {
  return `admin@${domain}`;
}

/** Splits a comma separated CIDR list; blanks are dropped, so `""` is the empty list. */
export function splitAllowlist(text: string): string[] {
  return text.split(",").map((s) => s.trim()).filter((s) => s !== "");
}

/** The label shown for a server size: `cx33  4 vCPU, 8 GB RAM, 80 GB disk`. */
export function describeSize(size: ServerSize): string {
  const s = SIZE_SPECS[size];
  return `${s.cores} vCPU, ${s.memoryGb} GB RAM, ${s.diskGb} GB disk`;
}

/** Sizes ordered by vCPU, then RAM, then name, so the menu reads small to large. */
export function listSizesBySpec(): ServerSize[] {
  return [...SERVER_SIZES].sort((a, b) =>
    SIZE_SPECS[a].cores - SIZE_SPECS[b].cores || SIZE_SPECS[a].memoryGb - SIZE_SPECS[b].memoryGb ||
    a.localeCompare(b)
  );
}

/**
 * The size menu: specs and, when known, the monthly price in the chosen region, in aligned columns
 * (`cx33   4 vCPU, 8 GB RAM, 80 GB disk      EUR  6.53`; the question says "monthly price"). Short
 * enough that clack's "(recommended)" hint still fits beside it on an 80-column terminal.
 */
export function sizeChoices(
  recommended: ServerSize,
  region: Region,
  prices?: SizePrices,
): Choice<ServerSize>[] {
  const sizes = listSizesBySpec();
  const specs = sizes.map((size) => describeSize(size));
  const amounts = sizes.map((size) => prices?.monthlyGross(size, region)?.toFixed(2));
  const specWidth = Math.max(...specs.map((s) => s.length));
  const amountWidth = Math.max(0, ...amounts.map((a) => a?.length ?? 0));
  return sizes.map((size, i) => {
    const amount = amounts[i];
    const price = amount === undefined ? "" : `  ${prices!.currency} ${amount.padStart(amountWidth)}`;
    const label = `${size.padEnd(6)} ${price ? specs[i]!.padEnd(specWidth) : specs[i]!}${price}`;
    return { value: size, label, ...(size === recommended ? { hint: "recommended" } : {}) };
  });
}

/** Waits for the price lookup; a failure is shown once and the menus go on without prices. */
async function lookUpPrices(prompter: Prompter, lookup: Promise<PriceLookup> | undefined) {
  if (lookup === undefined) return undefined;
  const result = await lookup;
  if (result.ok) return result.prices;
  prompter.warn(`No live prices: ${result.reason}`);
  return undefined;
}

/**
 * Asks every question the answers leave open and returns the spec. Throws
 * {@link WizardCancelledError} when the user cancels any prompt.
 */
export async function runWizard(
  prompter: Prompter,
  given: InitAnswers = {},
  options: WizardOptions = {},
): Promise<Spec> {
  const a: InitAnswers = { ...given };
  const ask = async <T>(answer: Promise<Answer<T>>): Promise<T> => {
    const value = await answer;
    if (value === CANCEL) throw new WizardCancelledError();
    return value;
  };

  a.name ??= await ask(prompter.text({
    message: "Cluster name",
    placeholder: "my-cluster",
    validate: checkName,
  }));
  a.region ??= await ask(prompter.select<Region>({
    message: "Region",
    choices: REGIONS.map((r) => ({ value: r, label: `${REGION_NAMES[r]} (${r})` })),
    initial: "fsn1",
  }));
  a.mode ??= await ask(prompter.select<Mode>({
    message: "Mode",
    // The counts are in the labels: a hint shows only next to the highlighted entry.
    choices: [
      { value: "dev", label: "Development: 1 control plane (also runs workloads)" },
      { value: "ha", label: "High availability: 3 control planes across hosts" },
    ],
    initial: "dev",
  }));
  a.workers ??= await ask(prompter.select<number>({
    message: "Number of workers",
    // A menu of 50 entries helps nobody: larger counts go through `--workers` or k8zner.yaml.
    choices: Array.from({ length: Math.min(MAX_WORKERS, WIZARD_MAX_WORKERS) - MIN_WORKERS + 1 }, (_, i) => {
      const n = MIN_WORKERS + i;
      return { value: n, label: String(n) };
    }),
    initial: DEFAULT_WORKER_COUNT,
  }));
  const prices = a.workerSize === undefined || a.controlPlaneSize === undefined
    ? await lookUpPrices(prompter, options.prices)
    : undefined;
  const priceNote = prices ? `monthly price per server incl. VAT in ${a.region}, live from Hetzner` : undefined;
  const sizeQuestion = (what: string, ...notes: (string | undefined)[]) => {
    const given = notes.filter((n) => n !== undefined);
    return given.length === 0 ? what : `${what} (${given.join("; ")})`;
  };
  a.workerSize ??= await ask(prompter.select<ServerSize>({
    message: sizeQuestion("Worker size", priceNote),
    choices: sizeChoices(DEFAULT_WORKER_SIZE, a.region, prices),
    initial: DEFAULT_WORKER_SIZE,
  }));
  a.controlPlaneSize ??= await ask(prompter.select<ServerSize>({
    message: sizeQuestion("Control-plane size", a.mode === "ha" ? "each of 3" : undefined, priceNote),
    choices: sizeChoices(DEFAULT_CONTROL_PLANE_SIZE, a.region, prices),
    initial: DEFAULT_CONTROL_PLANE_SIZE,
  }));
  if (a.domain === undefined) {
    a.domain = (await ask(prompter.text({
      message: "Domain for ingress and certificates (optional, needs CF_API_TOKEN at apply)",
      placeholder: "leave empty for none, e.g. example.com",
      validate: (v) => v.trim() === "" ? undefined : checkDomain(v.trim()),
    }))).trim();
  }
  if (a.domain) {
    const domain = a.domain;
    a.certEmail ??= (await ask(prompter.text({
      message: "Email for Let's Encrypt certificates",
      initial: defaultCertEmail(domain),
      validate: (v) => checkEmail(v.trim()),
    }))).trim();
    a.argoSubdomain ??= (await ask(prompter.text({
      message: `Argo CD subdomain (<subdomain>.${domain})`,
      initial: "argo",
      validate: (v) => checkSubdomain(v.trim(), "argo_subdomain"),
    }))).trim();
  }
  a.monitoring ??= await ask(prompter.confirm({
    message: "Install monitoring (Prometheus and Grafana)?",
    initial: Boolean(a.domain),
  }));
  if (a.monitoring && a.domain) {
    const domain = a.domain;
    a.grafanaSubdomain ??= (await ask(prompter.text({
      message: `Grafana subdomain (<subdomain>.${domain})`,
      initial: "grafana",
      validate: (v) => checkSubdomain(v.trim(), "grafana_subdomain"),
    }))).trim();
  }
  a.backup ??= await ask(prompter.confirm({
    message: "Back up etcd to Hetzner Object Storage? (needs HETZNER_S3_ACCESS_KEY and _SECRET_KEY at apply)",
    initial: false,
  }));
  a.allowlist ??= splitAllowlist(
    await ask(prompter.text({
      message: "CIDRs allowed to reach the Kubernetes and Talos APIs (comma separated)",
      placeholder: "leave empty to detect your public IP at apply time",
      validate: (v) => checkAllowlist(splitAllowlist(v)),
    })),
  );
  return renderSpecFromAnswers(a);
}
