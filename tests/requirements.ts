/**
 * What a test needs from outside the repository (a system binary, `../shared`), declared where the
 * test is registered:
 *
 * ```ts
 * const SSHD = binary("sshd", { sbin: true, apt: "openssh-server" });
 * Deno.test(requires([SSHD], { name: "…", fn: async () => { spawn(SSHD.path) } }));
 * ```
 *
 * A machine with only Node.js and npm lacks these, so the test is ignored there and says why in one
 * line (`skip: <test>: <reason>`), and, when the test task runs it, a JSON line in the file named by
 * `K8ZNER_TEST_SKIPS` that the task lists at the end. `.ci/run` installs everything it can and sets
 * `K8ZNER_REQUIRE_ALL=1`: then a missing requirement that CI installs fails the test instead.
 *
 * @module
 */

/** Set by `.ci/run`: a requirement CI installs must be present; the test fails when it is not. */
export const REQUIRE_ALL_ENV = "K8ZNER_REQUIRE_ALL";
/** Set by the test task: the file (JSON lines) where skipped tests are recorded. */
export const SKIPS_ENV = "K8ZNER_TEST_SKIPS";
/**
 * Directories outside PATH searched for `sbin` binaries (default `/usr/sbin:/usr/local/sbin`;
 * Debian installs sshd there and a normal user's PATH lacks them). Set it empty to pretend a
 * machine without them.
 */
export const SBIN_DIRS_ENV = "K8ZNER_SBIN_DIRS";

/** One thing from outside the repository. */
export interface Requirement {
  /** What it is, e.g. `sshd` or `../shared/contracts/hcloud-openapi.json`. */
  readonly name: string;
  /** Why it is missing, or undefined when present. */
  readonly missing: string | undefined;
  /** False for what `.ci/run` cannot install either: its absence never fails the run. */
  readonly ciInstalls: boolean;
  /** Absolute path of the binary or file; throws when it is missing. */
  readonly path: string;
}

/** Reads the process environment; tests of this module pass their own. */
export function processEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined; // no --allow-env: behave as if unset
  }
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

function requirement(name: string, path: string | undefined, missing: string, ciInstalls: boolean): Requirement {
  return {
    name,
    missing: path === undefined ? missing : undefined,
    ciInstalls,
    get path(): string {
      if (path === undefined) throw new Error(`${name} is missing: ${missing}`);
      return path;
    },
  };
}

/** Options of {@link binary}. */
export interface BinaryOptions {
  /** Also look in the sbin directories (see {@link SBIN_DIRS_ENV}). */
  sbin?: boolean;
  /** The Debian package that provides it (named in the reason); default: the binary's name. */
  apt?: string;
  /** False when `.ci/run` does not install it (the reason says so). Default true. */
  ciInstalls?: boolean;
  /** The environment (PATH, K8ZNER_SBIN_DIRS); default: the process's. */
  env?: (name: string) => string | undefined;
}

/** A program found on PATH (and, with `sbin`, in the sbin directories). */
export function binary(name: string, options: BinaryOptions = {}): Requirement {
  const env = options.env ?? processEnv;
  const dirs = (env("PATH") ?? "").split(":").filter((d) => d !== "");
  const sbin = options.sbin ? (env(SBIN_DIRS_ENV) ?? "/usr/sbin:/usr/local/sbin").split(":").filter((d) => d) : [];
  const searched = [...dirs, ...sbin];
  const path = searched.map((dir) => `${dir}/${name}`).find(isFile);
  const where = sbin.length > 0 ? `PATH or ${sbin.join(":")}` : "PATH";
  const ciInstalls = options.ciInstalls ?? true;
  const install = ciInstalls
    ? `apt-get install ${options.apt ?? name}; .ci/run installs it`
    : "not installed by .ci/run";
  return requirement(name, path, `${name} is not in ${where} (${install})`, ciInstalls);
}

/** The repository's `../shared` folder (reference material beside the checkout, never copied in). */
export const SHARED_DIR: URL = new URL("../../shared/", import.meta.url);

/** A file under `../shared`, e.g. `contracts/hcloud-openapi.json`. */
export function sharedFile(relative: string): Requirement {
  const path = new URL(relative, SHARED_DIR).pathname;
  return requirement(
    `../shared/${relative}`,
    isFile(path) ? path : undefined,
    `${path} is absent (../shared not mounted)`,
    true,
  );
}

function recordSkip(test: string, reasons: string[], env: (name: string) => string | undefined): void {
  console.log(`skip: ${test}: ${reasons.join("; ")}`);
  const file = env(SKIPS_ENV);
  if (!file) return;
  // One short append per line is atomic, so parallel test files can share the file.
  Deno.writeTextFileSync(file, JSON.stringify({ test, reasons }) + "\n", { append: true });
}

/**
 * The test definition, ignored when a requirement is missing (recorded with the reason), or, under
 * `K8ZNER_REQUIRE_ALL=1`, failing with the reason when a requirement CI installs is missing.
 */
export function requires(
  needs: readonly Requirement[],
  definition: Deno.TestDefinition,
  env: (name: string) => string | undefined = processEnv,
): Deno.TestDefinition {
  const missing = needs.filter((n) => n.missing !== undefined);
  if (missing.length === 0 || definition.ignore === true) return definition;
  const reasons = missing.map((n) => n.missing!);
  if (env(REQUIRE_ALL_ENV) === "1" && missing.some((n) => n.ciInstalls)) {
    return {
      ...definition,
      fn: () => {
        throw new Error(`missing requirement (${REQUIRE_ALL_ENV}=1 forbids skipping): ${reasons.join("; ")}`);
      },
    };
  }
  recordSkip(definition.name, reasons, env);
  return { ...definition, ignore: true };
}

/** Builds a test definition from `Deno.test`'s two common forms, passed through {@link requires}. */
export type RequiringDefinition = {
  (name: string, fn: (t: Deno.TestContext) => void | Promise<void>): Deno.TestDefinition;
  (definition: Deno.TestDefinition): Deno.TestDefinition;
};

/**
 * For files whose tests share the same needs: `const withX = requiring([X]);` then
 * `Deno.test(withX("…", async () => …))`. `Deno.test` stays in the test file, so Deno's report names
 * that file (it names the caller of `Deno.test`).
 */
export function requiring(
  needs: readonly Requirement[],
  env: (name: string) => string | undefined = processEnv,
): RequiringDefinition {
  return ((nameOrDefinition: string | Deno.TestDefinition, fn?: (t: Deno.TestContext) => void | Promise<void>) =>
    requires(
      needs,
      typeof nameOrDefinition === "string" ? { name: nameOrDefinition, fn: fn! } : nameOrDefinition,
      env,
    )) as RequiringDefinition;
}
