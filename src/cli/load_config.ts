/**
 * The config loader every command uses: `-c/--config PATH`, else `./k8zner.yaml`, else the
 * nearest `k8zner.yaml` in a parent directory. Problems become a {@link ConfigError} (exit 2).
 *
 * @module
 */
import { dirname, isAbsolute, join, resolve } from "node:path";
import type { FieldPosition, Spec } from "../config/mod.ts";
import { UsageError } from "../lib/errors.ts";

/** The file name looked for. */
export const CONFIG_FILE_NAME = "k8zner.yaml";
/** Flags and help text of the shared option; commands add it with `.option(CONFIG_OPTION.flags, CONFIG_OPTION.description)`. */
export const CONFIG_OPTION = {
  flags: "-c, --config <path>",
  description: `config file (default: ./${CONFIG_FILE_NAME}, then parent directories)`,
} as const;

/** File access the loader needs; injected so tests use a temporary directory or a map. */
export interface ConfigFs {
  readTextFile(path: string): Promise<string>;
  /** True when `path` exists and is a file. */
  isFile(path: string): Promise<boolean>;
  /** True when `path` exists and is a directory (to say so instead of "not found"). */
  isDirectory?(path: string): Promise<boolean>;
}

/** The real file system. */
export const denoConfigFs: ConfigFs = {
  readTextFile: (path) => Deno.readTextFile(path),
  isFile: async (path) => (await statOrUndefined(path))?.isFile ?? false,
  isDirectory: async (path) => (await statOrUndefined(path))?.isDirectory ?? false,
};

async function statOrUndefined(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.stat(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory) return undefined;
    throw err;
  }
}

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** `-c/--config` value, if given. */
  config?: string;
  /** Directory the search starts in (the CLI's cwd). */
  cwd: string;
  /** Reads environment variables (for `requireEnv`). */
  env: (name: string) => string | undefined;
  /** Check the environment variables `domain` and `backup` need (commands that act on them). */
  requireEnv?: boolean;
  fs?: ConfigFs;
}

/** A loaded, valid config. */
export interface LoadedConfig {
  spec: Spec;
  /** Absolute path of the file read. */
  path: string;
  /** The path as shown in messages (relative to cwd when inside it). */
  displayPath: string;
  /** Where each field's key is (dotted path), for problems found later against the live cluster. */
  positions: Readonly<Record<string, FieldPosition>>;
}

/** Finds `k8zner.yaml` in `start` or the nearest parent directory; undefined when there is none. */
export async function findConfigFile(start: string, fs: ConfigFs = denoConfigFs): Promise<string | undefined> {
  let dir = resolve(start);
  for (;;) {
    const candidate = join(dir, CONFIG_FILE_NAME);
    if (await fs.isFile(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Resolves which file to read: the `-c` path, or the search result. Throws UsageError when absent. */
export async function resolveConfigPath(opts: LoadConfigOptions): Promise<string> {
  const fs = opts.fs ?? denoConfigFs;
  if (opts.config !== undefined) {
    const path = isAbsolute(opts.config) ? opts.config : resolve(opts.cwd, opts.config);
    if (!(await fs.isFile(path))) {
      if (await fs.isDirectory?.(path)) {
        const inside = join(opts.config, CONFIG_FILE_NAME);
        throw new UsageError(`config file ${opts.config} is a directory, not a YAML file`, {
          hint: await fs.isFile(join(path, CONFIG_FILE_NAME))
            ? `pass the file inside it: -c ${inside}`
            : "pass the path of a k8zner.yaml file to -c/--config",
        });
      }
      throw new UsageError(`config file ${opts.config} not found`, { hint: "Check the -c/--config path" });
    }
    return path;
  }
  const found = await findConfigFile(opts.cwd, fs);
  if (found === undefined) {
    throw new UsageError(`config file ${CONFIG_FILE_NAME} not found`, { hint: "Run 'k8zner init' to create one" });
  }
  return found;
}

/** Shows `path` relative to `cwd` when it lies inside it. */
export function displayPath(path: string, cwd: string): string {
  const base = resolve(cwd) + "/";
  return path.startsWith(base) ? path.slice(base.length) : path;
}

/** Reads and validates the config; throws {@link ConfigError} listing every problem (exit 2). */
export async function loadConfig(opts: LoadConfigOptions): Promise<LoadedConfig> {
  const fs = opts.fs ?? denoConfigFs;
  const path = await resolveConfigPath(opts);
  const shown = displayPath(path, opts.cwd);
  let text: string;
  try {
    text = await fs.readTextFile(path);
  } catch (err) {
    throw new UsageError(`Cannot read config file ${shown}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
  // Loaded here, not at the top: every command imports this file, and --help must stay fast.
  const { ConfigError, parseConfig } = await import("../config/mod.ts");
  const result = parseConfig(text, shown, { env: opts.env, requireEnv: opts.requireEnv ?? false });
  if (result.spec === undefined) throw new ConfigError(shown, result.problems);
  return { spec: result.spec, path, displayPath: shown, positions: result.positions ?? {} };
}
