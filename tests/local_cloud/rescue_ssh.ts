/**
 * The rescue system of a local-cloud server: an SSH server (`ssh2`) at the server's public IPv4, port 22,
 * that lets `root` in with the keys (or the root password) `enable_rescue` set up, and "runs" the image
 * build's one command: a Talos Image Factory download piped through `xz -d` into `dd`. It answers with
 * dd's report and exit 0 after a simulated write time; `true` succeeds (readiness probes); anything
 * else exits 127 like bash's "command not found".
 *
 * @module
 */
// @ts-types="@types/ssh2"
import ssh2 from "ssh2";
import { Buffer } from "node:buffer";
import { timingSafeEqual } from "node:crypto";
import { generateSshKeyPair } from "../../src/lib/ssh.ts";
import {
  commandName,
  type ImageWrite,
  parseImageWriteCommand,
  RAW_IMAGE_BYTES,
  renderDdReport,
} from "./image_write.ts";

/** Options of {@link startRescueSsh}. */
export interface RescueSshOptions {
  hostname: string;
  /** Default 22. */
  port?: number;
  /** OpenSSH public key lines allowed to log in as root. */
  authorizedKeys: string[];
  /** The root password `enable_rescue` returned (password login). */
  rootPassword?: string;
  /** Real milliseconds the image write takes before dd reports. */
  writeDelayMs: number;
  /** Called when an image write pipeline finished (before the exit status is sent). */
  onImageWritten: (write: ImageWrite) => void;
}

/** A running rescue SSH server. */
export interface RescueSsh {
  readonly hostname: string;
  readonly port: number;
  /** The server's public host key as an OpenSSH line (`ssh-ed25519 AAAA…`). */
  readonly hostPublicKey: string;
  /** Every command received, in order. */
  readonly commands: string[];
  /** Stops listening and drops every connection. */
  close(): Promise<void>;
}

/** Starts the rescue SSH server; rejects with a message naming the address when it cannot listen. */
export async function startRescueSsh(options: RescueSshOptions): Promise<RescueSsh> {
  // generateSshKeyPair() discards the malformed Ed25519 keys Deno sometimes produces.
  const { privateKey: hostKey, publicKey: hostPublicKey } = generateSshKeyPair("rescue host key");
  const allowed = options.authorizedKeys.map((line) => {
    const key = ssh2.utils.parseKey(line);
    if (key instanceof Error) throw new TypeError(`Cannot use rescue SSH key "${line.slice(0, 30)}…": ${key.message}`);
    return key;
  });
  const commands: string[] = [];
  const clients = new Set<ssh2.Connection>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const server = new ssh2.Server({ hostKeys: [hostKey] }, (client) => {
    clients.add(client);
    client.on("close", () => clients.delete(client));
    client.on("error", () => {});
    client.on("authentication", (ctx) => {
      if (ctx.username !== "root") return ctx.reject(["publickey", "password"]);
      if (ctx.method === "publickey") {
        const key = allowed.find((k) => sameBytes(k.getPublicSSH(), ctx.key.data));
        if (!key) return ctx.reject(["publickey", "password"]);
        // Without a signature the client only asks whether the key would do.
        if (ctx.signature && key.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) !== true) return ctx.reject();
        return ctx.accept();
      }
      if (ctx.method === "password" && options.rootPassword !== undefined) {
        return sameBytes(Buffer.from(ctx.password), Buffer.from(options.rootPassword)) ? ctx.accept() : ctx.reject();
      }
      ctx.reject(["publickey", "password"]);
    });
    client.on("ready", () => {
      client.on("session", (acceptSession) => {
        const session = acceptSession();
        session.on("pty", (_accept, reject) => reject?.());
        session.on("shell", (_accept, reject) => reject?.());
        session.on("exec", (acceptExec, _reject, info) => {
          const stream = acceptExec();
          commands.push(info.command);
          const finish = (code: number, stderr = "") => {
            if (stderr) stream.stderr.write(stderr);
            stream.exit(code);
            stream.end();
          };
          if (/^\s*(true|:)\s*$/.test(info.command)) return finish(0);
          const write = parseImageWriteCommand(info.command);
          if (!write) return finish(127, `bash: line 1: ${commandName(info.command)}: command not found\n`);
          const timer = setTimeout(() => {
            timers.delete(timer);
            options.onImageWritten(write);
            finish(0, renderDdReport(RAW_IMAGE_BYTES, Math.max(options.writeDelayMs / 1000, 0.01)));
          }, options.writeDelayMs);
          timers.add(timer);
        });
      });
    });
  });
  const port = options.port ?? 22;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: Error & { code?: string }) => {
      const hint = err.code === "EACCES" ? " (ports below 1024 need root or CAP_NET_BIND_SERVICE)" : "";
      reject(new Error(`Cannot start the rescue SSH server at ${options.hostname}:${port}: ${err.message}${hint}`));
    });
    server.listen(port, options.hostname, () => resolve());
  });
  let closed: Promise<void> | undefined;
  return {
    hostname: options.hostname,
    port,
    hostPublicKey,
    commands,
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close(() => resolve());
        for (const client of clients) client.end();
      });
      return closed;
    },
  };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
