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

/**
 * Generates a fresh Ed25519 key pair (used once, for one build server, then deleted).
 *
 * Under Deno 2.9.6 about 1 in 200 keys from `generateKeyPairSync("ed25519")` comes out with a
 * 31-byte public key (a leading zero byte dropped on export), which ssh2 itself then refuses to
 * parse ("Malformed OpenSSH private key") and Hetzner would store as a broken key. Such a pair is
 * thrown away and generated again.
 */
export function generateSshKeyPair(comment: string): SshKeyPair {
  for (let attempt = 1; attempt <= MAX_KEY_ATTEMPTS; attempt++) {
    const pair = ssh2.utils.generateKeyPairSync("ed25519", { comment });
    if (isWellFormedEd25519(pair.private, pair.public)) {
      return { publicKey: pair.public.trim(), privateKey: pair.private };
    }
  }
  throw new Error(`Cannot generate an SSH key: ${MAX_KEY_ATTEMPTS} Ed25519 keys in a row were malformed`);
}

const MAX_KEY_ATTEMPTS = 20;

/** True when ssh2 parses the private key and the public key carries a 32-byte Ed25519 point. */
export function isWellFormedEd25519(privateKey: string, publicKey: string): boolean {
  const parsed = ssh2.utils.parseKey(privateKey);
  if (parsed instanceof Error || Array.isArray(parsed)) return false;
  const blob = Buffer.from(publicKey.trim().split(/\s+/)[1] ?? "", "base64");
  // Wire format: string "ssh-ed25519" (4 + 11 bytes), then string key (4 + 32 bytes).
  return blob.length === 51 && blob.readUInt32BE(15) === 32;
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
   * Decides whether to trust the server's host key, given its fingerprint in OpenSSH's form
   * (`SHA256:<base64 without padding>`). A freshly created rescue system has a key nobody can know in
   * advance, so the image builder accepts the first key it sees, logs its fingerprint and pins it for
   * later connections; nothing secret is sent to the server.
   */
  verifyHostKey?: (fingerprint: string) => boolean;
}

/** What a finished command left behind. */
export interface SshExecResult {
  exitCode: number | null;
  signal: string | undefined;
  /** The last 4 KiB of stderr, for error messages. */
  stderrTail: string;
  /** The server's host key fingerprint as `ssh-keygen -l` prints it: `SHA256:<base64 without padding>`. */
  hostKeyFingerprint: string | undefined;
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
    let hostKeyFingerprint: string | undefined;
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
          finish(undefined, { exitCode: code ?? null, signal: signal ?? undefined, stderrTail, hostKeyFingerprint });
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
      // ssh2 hands over the SHA-256 of the key blob in hex; OpenSSH shows the same digest in base64.
      hostVerifier: (hashed: string) => {
        hostKeyFingerprint = `SHA256:${Buffer.from(hashed, "hex").toString("base64").replace(/=+$/, "")}`;
        return opts.verifyHostKey ? opts.verifyHostKey(hostKeyFingerprint) : true;
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
 * boot, and until then connections are refused or time out. Resolves with the host key fingerprint
 * of the server that answered.
 */
export async function waitForSsh(opts: WaitForSshOptions): Promise<{ hostKeyFingerprint: string }> {
  let last: unknown;
  for (let attempt = 1; attempt <= opts.attempts; attempt++) {
    if (opts.signal?.aborted) throw new SshError(`ssh to ${opts.host} aborted`, "aborted");
    try {
      const r = await sshExec({ ...opts, command: "true", timeoutMs: opts.readyTimeoutMs ?? 20_000 });
      if (r.exitCode === 0 && r.hostKeyFingerprint !== undefined) return { hostKeyFingerprint: r.hostKeyFingerprint };
      last = new SshError(`"true" exited with ${r.exitCode}`, "exec");
    } catch (err) {
      last = err;
    }
    if (attempt < opts.attempts) await opts.sleep(opts.delayMs);
  }
  throw new SshError(`${opts.host} did not accept ssh after ${opts.attempts} attempts`, "connect", last);
}
