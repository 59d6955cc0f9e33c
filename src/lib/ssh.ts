/**
 * Runs one command on a remote host over SSH (the `ssh2` package), streaming its output. Used to
 * write the Talos image onto a rescue-booted build server; Talos nodes themselves have no SSH.
 *
 * @module
 */
// @ts-types="@types/ssh2"
import ssh2 from "ssh2";

/** An SSH key pair in OpenSSH formats: `publicKey` as `ssh-ed25519 AAAA… comment`. */
export interface SshKeyPair {
  publicKey: string;
  privateKey: string;
}

/** Generates a fresh Ed25519 key pair (used once, for one build server, then deleted). */
export function generateSshKeyPair(comment: string): SshKeyPair {
  const pair = ssh2.utils.generateKeyPairSync("ed25519", { comment });
  return { publicKey: pair.public.trim(), privateKey: pair.private };
}

/** Options for {@link sshExec}. */
export interface SshExecOptions {
  host: string;
  port?: number;
  username?: string;
  privateKey: string;
  command: string;
  /** Called with each chunk of stdout/stderr text as it arrives. */
  onOutput?: (text: string, stream: "stdout" | "stderr") => void;
  /** Gives up when the whole exchange takes longer. */
  timeoutMs?: number;
  readyTimeoutMs?: number;
  signal?: AbortSignal;
  /**
   * Decides whether to trust the server's host key (SHA-256 fingerprint, base64). A freshly created
   * rescue system has a key nobody can know in advance, so the image builder accepts any key and
   * records its fingerprint; nothing secret is sent to the server.
   */
  verifyHostKey?: (sha256Base64: string) => boolean;
}

/** What a finished command left behind. */
export interface SshExecResult {
  exitCode: number | null;
  signal: string | undefined;
  /** The last 4 KiB of stderr, for error messages. */
  stderrTail: string;
  hostKeySha256: string | undefined;
}

/** An SSH failure before or while running the command (connection, authentication, timeout). */
export class SshError extends Error {
  override name = "SshError";
  constructor(message: string, readonly kind: "connect" | "auth" | "timeout" | "aborted" | "exec", cause?: unknown) {
    super(message, { cause });
  }
}

/** Runs `command` and resolves with its exit status; rejects with {@link SshError} on transport failures. */
export function sshExec(opts: SshExecOptions): Promise<SshExecResult> {
  return new Promise<SshExecResult>((resolve, reject) => {
    const conn = new ssh2.Client();
    let hostKeySha256: string | undefined;
    let stderrTail = "";
    let settled = false;
    const decoder = new TextDecoder();
    const finish = (err: SshError | undefined, result?: SshExecResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      conn.end();
      if (err) reject(err);
      else resolve(result!);
    };
    const onAbort = () => finish(new SshError(`ssh to ${opts.host} aborted`, "aborted"));
    const timer = setTimeout(
      () => finish(new SshError(`ssh to ${opts.host} timed out after ${opts.timeoutMs}ms`, "timeout")),
      opts.timeoutMs ?? 30 * 60_000,
    );
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener("abort", onAbort, { once: true });

    conn.on("ready", () => {
      conn.exec(opts.command, (err, stream) => {
        if (err) return finish(new SshError(`Cannot run command on ${opts.host}: ${err.message}`, "exec", err));
        stream.on("data", (chunk: Uint8Array) => opts.onOutput?.(decoder.decode(chunk), "stdout"));
        stream.stderr.on("data", (chunk: Uint8Array) => {
          const text = decoder.decode(chunk);
          stderrTail = (stderrTail + text).slice(-4096);
          opts.onOutput?.(text, "stderr");
        });
        stream.on("close", (code: number | null, signal?: string) => {
          finish(undefined, { exitCode: code ?? null, signal: signal ?? undefined, stderrTail, hostKeySha256 });
        });
      });
    });
    conn.on("error", (err: Error & { level?: string }) => {
      const kind = err.level === "client-authentication" ? "auth" : "connect";
      finish(new SshError(`Cannot connect over ssh to ${opts.host}:${opts.port ?? 22}: ${err.message}`, kind, err));
    });
    conn.connect({
      host: opts.host,
      port: opts.port ?? 22,
      username: opts.username ?? "root",
      privateKey: opts.privateKey,
      readyTimeout: opts.readyTimeoutMs ?? 20_000,
      hostHash: "sha256",
      hostVerifier: (hashed: string) => {
        hostKeySha256 = Buffer.from(hashed, "hex").toString("base64").replace(/=+$/, "");
        return opts.verifyHostKey ? opts.verifyHostKey(hostKeySha256) : true;
      },
    } as ssh2.ConnectConfig);
  });
}

/** Options for {@link waitForSsh}. */
export interface WaitForSshOptions extends Omit<SshExecOptions, "command"> {
  attempts: number;
  delayMs: number;
  sleep: (ms: number) => Promise<void>;
}

/**
 * Retries a trivial command until the server accepts our key: a rescue system takes a while to
 * boot, and until then connections are refused or time out.
 */
export async function waitForSsh(opts: WaitForSshOptions): Promise<void> {
  let last: unknown;
  for (let attempt = 1; attempt <= opts.attempts; attempt++) {
    if (opts.signal?.aborted) throw new SshError(`ssh to ${opts.host} aborted`, "aborted");
    try {
      const r = await sshExec({ ...opts, command: "true", timeoutMs: opts.readyTimeoutMs ?? 20_000 });
      if (r.exitCode === 0) return;
      last = new SshError(`"true" exited with ${r.exitCode}`, "exec");
    } catch (err) {
      last = err;
    }
    if (attempt < opts.attempts) await opts.sleep(opts.delayMs);
  }
  throw new SshError(`${opts.host} did not accept ssh after ${opts.attempts} attempts`, "connect", last);
}
