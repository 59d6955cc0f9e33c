/**
 * Runs the real Helm binary as a child process of the operator (ADR 0007): its own kubeconfig, its
 * cache, config and data under a private work directory, stdout and stderr captured, killed when its
 * timeout passes or the operator stops. Values reach Helm as a file of mode 0600 in that 0700 directory,
 * removed when the process ends whatever happened, so they are never in the arguments (visible in `ps`)
 * nor left on disk.
 *
 * @module
 */
import { SECRET_DIR_MODE, SECRET_FILE_MODE } from "../../lib/secure_files.ts";

/** What one Helm process returned. */
export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
  /** True when it was killed because its timeout passed. */
  timedOut?: boolean;
}

/** Options of one {@link HelmExec.run}. */
export interface HelmRunOptions {
  /** Kill the process after this long. */
  timeoutMs: number;
  /** Kill the process and reject with the signal's reason when this aborts (operator shutdown, lost Lease). */
  signal?: AbortSignal;
  /**
   * Values (YAML or JSON text): written to a private file passed as `-f <file>` after `args`, and
   * removed once the process has ended.
   */
  values?: string;
}

/** Runs Helm with arguments; the seam tests script. */
export interface HelmExec {
  run(args: readonly string[], options: HelmRunOptions): Promise<HelmResult>;
}

/** Options of {@link createHelmExec}. */
export interface HelmExecOptions {
  /** Path of the helm binary (the operator's `--helm-binary`). */
  helmPath: string;
  /** The kubeconfig Helm uses (`KUBECONFIG`). */
  kubeconfigPath: string;
  /** A directory only the operator can enter (0700; created when missing): Helm's cache, config, data and the values files. */
  workDir: string;
  /** More environment for Helm (e.g. `HTTPS_PROXY` for the repository fallback); nothing else of the operator's is passed. */
  env?: Record<string, string>;
}

/** Creates the {@link HelmExec} that starts `helmPath` with `Deno.Command`. */
export function createHelmExec(options: HelmExecOptions): HelmExec {
  const work = options.workDir.replace(/\/+$/, "");
  let prepared: Promise<void> | undefined;
  const prepare = () =>
    prepared ??= (async () => {
      for (const dir of [work, `${work}/cache`, `${work}/config`, `${work}/data`, `${work}/values`]) {
        await Deno.mkdir(dir, { recursive: true, mode: SECRET_DIR_MODE });
        // mkdir's mode passes through the umask; set it exactly.
        await Deno.chmod(dir, SECRET_DIR_MODE);
      }
    })().catch((err) => {
      prepared = undefined;
      throw err;
    });

  return {
    async run(args, runOptions) {
      runOptions.signal?.throwIfAborted();
      await prepare();
      let valuesFile: string | undefined;
      try {
        const argv = [...args];
        if (runOptions.values !== undefined) {
          valuesFile = `${work}/values/${crypto.randomUUID()}.yaml`;
          await Deno.writeTextFile(valuesFile, runOptions.values, { mode: SECRET_FILE_MODE, createNew: true });
          await Deno.chmod(valuesFile, SECRET_FILE_MODE);
          argv.push("-f", valuesFile);
        }
        return await spawn(options, work, argv, runOptions);
      } finally {
        if (valuesFile) await Deno.remove(valuesFile).catch(() => {});
      }
    },
  };
}

function command(options: HelmExecOptions, work: string, argv: string[]): Deno.Command {
  return new Deno.Command(options.helmPath, {
    args: argv,
    // Only what Helm needs: the operator's own environment (tokens included) stays out of it.
    clearEnv: true,
    env: {
      KUBECONFIG: options.kubeconfigPath,
      HELM_CACHE_HOME: `${work}/cache`,
      HELM_CONFIG_HOME: `${work}/config`,
      HELM_DATA_HOME: `${work}/data`,
      HOME: work,
      PATH: "/usr/local/bin:/usr/bin:/bin",
      // Helm's own progress and warnings in plain text.
      NO_COLOR: "1",
      ...options.env,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
}

async function spawn(
  options: HelmExecOptions,
  work: string,
  argv: string[],
  runOptions: HelmRunOptions,
): Promise<HelmResult> {
  let child: Deno.ChildProcess;
  try {
    child = command(options, work, argv).spawn();
  } catch (err) {
    // Reported like a failed run (status.addons shows it) rather than failing the whole pass.
    // NotCapable: Deno's --allow-run names only the image's Helm (a compiled binary given another --helm-binary).
    if (
      err instanceof Deno.errors.NotFound || err instanceof Deno.errors.PermissionDenied ||
      err instanceof Deno.errors.NotCapable
    ) {
      return { code: 127, stdout: "", stderr: `Cannot run helm "${options.helmPath}": ${err.message} (--helm-binary)` };
    }
    throw err;
  }
  let timedOut = false;
  let aborted = false;
  const kill = () => {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already exited.
    }
  };
  const timer = setTimeout(() => {
    timedOut = true;
    kill();
  }, runOptions.timeoutMs);
  const onAbort = () => {
    aborted = true;
    kill();
  };
  runOptions.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const output = await child.output();
    if (aborted) throw runOptions.signal!.reason;
    const decoder = new TextDecoder();
    const stderr = decoder.decode(output.stderr);
    return {
      code: output.code,
      stdout: decoder.decode(output.stdout),
      stderr: timedOut ? `${stderr}\nhelm was killed after ${Math.round(runOptions.timeoutMs / 1000)} s` : stderr,
      ...(timedOut ? { timedOut } : {}),
    };
  } finally {
    clearTimeout(timer);
    runOptions.signal?.removeEventListener("abort", onAbort);
  }
}
