/**
 * The Helm binary the local cloud's operator processes run: the real Helm v4.1.4 behind a small shell
 * wrapper that appends each invocation's arguments (one line, tab-separated) to a log before handing over
 * with `exec`. Tests and the demo count Helm processes from that log, independently of the operator's
 * own metrics ("a converged cluster runs no Helm"). Arguments hold paths, release names and hashes,
 * never values or tokens (values go in a file), so the log holds no secret.
 *
 * @module
 */

/** A wrapper around a real Helm binary and the log of its invocations. */
export interface HelmShim {
  /** The wrapper to run instead of Helm (`K8ZNER_HELM_BINARY`). */
  readonly path: string;
  /** Every invocation so far, oldest first, as argument lists. */
  invocations(): string[][];
}

function quote(text: string): string {
  return `'${text.replaceAll("'", `'"'"'`)}'`;
}

/** Writes the wrapper into `dir` (created 0700) for the Helm binary at `helmPath`. */
export async function createHelmShim(helmPath: string, dir: string): Promise<HelmShim> {
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const path = `${dir}/helm`;
  const log = `${dir}/helm-invocations.log`;
  await Deno.writeTextFile(log, "");
  // printf with one %s per argument, joined by tabs; `exec` keeps Helm's pid, exit code and signals.
  const script = [
    "#!/bin/sh",
    `{ first=1; for a in "$@"; do if [ $first = 1 ]; then first=0; else printf '\\t'; fi; printf '%s' "$a"; done; ` +
    `printf '\\n'; } >> ${quote(log)}`,
    `exec ${quote(helmPath)} "$@"`,
    "",
  ].join("\n");
  await Deno.writeTextFile(path, script, { mode: 0o700 });
  await Deno.chmod(path, 0o700);
  return {
    path,
    invocations: () =>
      Deno.readTextFileSync(log).split("\n").filter((line) => line !== "").map((line) => line.split("\t")),
  };
}
