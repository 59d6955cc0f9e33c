/**
 * The narrow SSH interface the image builder needs (wait until the rescue system accepts our key,
 * run one command), and its real implementation over `src/lib/ssh.ts`. Tests inject a recording
 * fake; the local cloud answers real SSH.
 *
 * @module
 */
/** ssh2, loaded by the first call: only an image build uses it, and every plan and apply imports this file. */
const loadSsh = () => import("../../lib/ssh.ts");

/** Where and how to log in. The private key is a secret: implementations never log it. */
export interface SshTarget {
  host: string;
  port: number;
  privateKey: string;
  /** Host key fingerprint (`SHA256:…`) the server must present; any key when absent. */
  hostKeyFingerprint?: string;
}

/** What a remote command left behind. */
export interface SshCommandResult {
  /** Exit status; null when the command ended by a signal or the server sent none. */
  exitCode: number | null;
  /** The last few KiB of stderr, for error messages. */
  stderrTail: string;
}

/** The SSH calls of the image builder. */
export interface ImageBuildSsh {
  /**
   * Resolves once `target` accepts the key, with the host key fingerprint of the server that answered
   * (`SHA256:<base64>`, as OpenSSH prints it); rejects after the runner's own attempts run out.
   */
  waitReady(target: SshTarget, signal?: AbortSignal): Promise<{ hostKeyFingerprint: string }>;
  /** Runs `command`; rejects only on transport failures (a non-zero exit is a result). */
  exec(
    target: SshTarget,
    command: string,
    options?: { onOutput?: (text: string) => void; signal?: AbortSignal },
  ): Promise<SshCommandResult>;
}

/** Options of {@link createSshRunner}. */
export interface SshRunnerOptions {
  sleep: (ms: number) => Promise<void>;
  /** Connection attempts while the rescue system boots (default 60). */
  attempts?: number;
  /** Delay between attempts (default 5000 ms). */
  delayMs?: number;
  /** Upper bound of the image write (default 30 min). */
  execTimeoutMs?: number;
}

/**
 * The real runner. The first host key is accepted without verification (trust on first use): a fresh
 * rescue system's key cannot be known in advance, and nothing secret travels to it (only a public URL
 * to download). The caller logs its fingerprint and pins it for the command that follows.
 */
export function createSshRunner(options: SshRunnerOptions): ImageBuildSsh {
  return {
    waitReady: async (target, signal) =>
      await (await loadSsh()).waitForSsh({
        host: target.host,
        port: target.port,
        privateKey: target.privateKey,
        attempts: options.attempts ?? 60,
        delayMs: options.delayMs ?? 5000,
        sleep: options.sleep,
        readyTimeoutMs: 15_000,
        signal,
      }),
    async exec(target, command, execOptions = {}) {
      const r = await (await loadSsh()).sshExec({
        host: target.host,
        port: target.port,
        privateKey: target.privateKey,
        command,
        verifyHostKey: target.hostKeyFingerprint === undefined
          ? undefined
          : (fingerprint) => fingerprint === target.hostKeyFingerprint,
        timeoutMs: options.execTimeoutMs ?? 30 * 60_000,
        onOutput: execOptions.onOutput ? (text) => execOptions.onOutput!(text) : undefined,
        signal: execOptions.signal,
      });
      return { exitCode: r.exitCode, stderrTail: r.stderrTail };
    },
  };
}
