/**
 * Runs the real CLI (`deno run -A main.ts …`) as a subprocess, the way a user would, with a clean
 * environment, a working directory of its own, its output streamed line by line, and the child
 * process at hand so a test can kill it mid-run.
 *
 * @module
 */

/** The repository's entry point and configuration, absolute. */
export const MAIN_TS = new URL("../../main.ts", import.meta.url).pathname;
export const DENO_JSON = new URL("../../deno.json", import.meta.url).pathname;

/** Options of {@link startK8zner}. */
export interface K8znerProcessOptions {
  /** Working directory (where `k8zner.yaml` and `./secrets/` live). */
  cwd: string;
  /** Environment on top of PATH, HOME and DENO_DIR (and TERM, NO_COLOR when inheriting; nothing else is inherited). */
  env?: Record<string, string>;
  /** Receives each output line as it arrives. */
  onLine?: (line: string, stream: "stdout" | "stderr") => void;
  /** Share the caller's terminal instead of piping (no lines are captured then). */
  inherit?: boolean;
}

/** How a run ended. */
export interface K8znerResult {
  code: number;
  signal: Deno.Signal | null;
  stdout: string;
  stderr: string;
  /** Wall-clock milliseconds from spawn to exit. */
  ms: number;
}

/** A running CLI process. */
export interface K8znerProcess {
  readonly pid: number;
  /** Resolves when the process has exited and its output is read to the end. */
  readonly done: Promise<K8znerResult>;
  /** Sends a signal (no-op once exited). */
  kill(signal?: Deno.Signal): void;
}

/** Starts `k8zner <args>` from `main.ts`. */
export function startK8zner(args: readonly string[], options: K8znerProcessOptions): K8znerProcess {
  const started = performance.now();
  const baseEnv: Record<string, string> = { PATH: Deno.env.get("PATH") ?? "", HOME: Deno.env.get("HOME") ?? "/tmp" };
  // On a shared terminal the CLI draws as it would for the user (TERM, the user's NO_COLOR); piped, plain.
  for (const name of options.inherit ? ["DENO_DIR", "TERM", "NO_COLOR"] : ["DENO_DIR"]) {
    const value = Deno.env.get(name);
    if (value) baseEnv[name] = value;
  }
  if (!options.inherit) baseEnv.NO_COLOR = "1";
  const child = new Deno.Command(Deno.execPath(), {
    // node_modules is already in place (the test task runs `deno install --frozen` first, and the test process
    // itself runs with `nodeModulesDir: "auto"`): "manual" skips re-checking every package of the lockfile on
    // each start, 50-70 ms of CPU per process (measured with `perf stat`), of a few hundred processes a suite.
    args: ["run", "-A", "--node-modules-dir=manual", "--config", DENO_JSON, MAIN_TS, ...args],
    cwd: options.cwd,
    stdin: "null",
    stdout: options.inherit ? "inherit" : "piped",
    stderr: options.inherit ? "inherit" : "piped",
    clearEnv: true,
    env: { ...baseEnv, RUST_BACKTRACE: "0", ...options.env },
  }).spawn();
  let exited = false;
  const read = (stream: ReadableStream<Uint8Array> | null, name: "stdout" | "stderr") =>
    stream ? collectLines(stream, (line) => options.onLine?.(line, name)) : Promise.resolve("");
  const done = (async () => {
    const [status, stdout, stderr] = await Promise.all([
      child.status,
      read(options.inherit ? null : child.stdout, "stdout"),
      read(options.inherit ? null : child.stderr, "stderr"),
    ]);
    exited = true;
    return { code: status.code, signal: status.signal, stdout, stderr, ms: Math.round(performance.now() - started) };
  })();
  return {
    pid: child.pid,
    done,
    kill: (signal = "SIGTERM") => {
      if (exited) return;
      try {
        child.kill(signal);
      } catch (err) {
        if (!(err instanceof TypeError)) throw err; // already exited
      }
    },
  };
}

/** Runs `k8zner <args>` to the end. */
export function runK8zner(args: readonly string[], options: K8znerProcessOptions): Promise<K8znerResult> {
  return startK8zner(args, options).done;
}

async function collectLines(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void): Promise<string> {
  let all = "";
  let pending = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    all += chunk;
    pending += chunk;
    const lines = pending.split("\n");
    pending = lines.pop()!;
    for (const line of lines) onLine(line.replace(/\r$/, ""));
  }
  if (pending !== "") onLine(pending);
  return all;
}
