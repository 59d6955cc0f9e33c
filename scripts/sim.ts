/**
 * `deno task sim`: runs a local cloud (Hetzner simulator, fake Talos nodes, fake Kubernetes APIs, rescue
 * SSH, IP echo) in the foreground until SIGINT or SIGTERM, and prints one JSON line with its endpoints:
 *
 * ```
 * {"hcloud":"http://127.0.0.1:41234/v1","ipEcho":"http://127.0.0.1:41235/ip","callerIp":"203.0.113.10","speed":200}
 * ```
 *
 * Point the CLI at it with `HCLOUD_ENDPOINT=<hcloud> K8ZNER_IP_URL=<ipEcho> HCLOUD_TOKEN=<anything>`.
 * Options: `--speed N` (simulated time runs N times faster, default 200), `--seed N`. What comes up or
 * goes away (Talos nodes, rescue systems, Kubernetes APIs) is noted on stderr.
 *
 * @module
 */
import { startLocalCloud } from "../tests/local_cloud/mod.ts";

/** Parsed command line. */
export interface SimArgs {
  speed: number;
  seed: number | undefined;
}

/** Parses `--speed N` / `--speed=N` and `--seed N`; throws `TypeError` naming the bad argument. */
export function parseSimArgs(args: readonly string[]): SimArgs {
  const out: SimArgs = { speed: 200, seed: undefined };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [flag, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [
      arg,
      undefined,
    ];
    if (flag !== "--speed" && flag !== "--seed") {
      throw new TypeError(`Unknown argument "${arg}": allowed are --speed N and --seed N`);
    }
    const value = inline ?? args[++i];
    if (value === undefined) throw new TypeError(`${flag} needs a number`);
    const n = Number(value);
    if (flag === "--speed") {
      if (!(Number.isFinite(n) && n > 0)) throw new TypeError(`--speed "${value}" must be a number above 0`);
      out.speed = n;
    } else {
      if (!Number.isSafeInteger(n) || n < 0) throw new TypeError(`--seed "${value}" must be a whole number >= 0`);
      out.seed = n;
    }
  }
  return out;
}

async function main(): Promise<number> {
  let args: SimArgs;
  try {
    args = parseSimArgs(Deno.args);
  } catch (err) {
    console.error(`sim: ${(err as Error).message}`);
    return 2;
  }
  const cloud = await startLocalCloud({
    speed: args.speed,
    ...(args.seed === undefined ? {} : { seed: args.seed }),
    onLog: (line) => console.error(`${new Date().toISOString()} ${line}`),
  });
  const { promise: stopped, resolve: stop } = Promise.withResolvers<Deno.Signal>();
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  const handlers = signals.map((signal) => {
    const handler = () => stop(signal);
    Deno.addSignalListener(signal, handler);
    return [signal, handler] as const;
  });
  console.log(JSON.stringify({
    hcloud: cloud.hcloudUrl,
    ipEcho: cloud.ipEchoUrl,
    callerIp: cloud.callerIp,
    speed: cloud.speed,
  }));
  console.error("local cloud running; Ctrl-C (SIGINT) or SIGTERM stops it");
  const signal = await stopped;
  for (const [name, handler] of handlers) Deno.removeSignalListener(name, handler);
  await cloud.close();
  console.error(`local cloud stopped (${signal})`);
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main());
  } catch (err) {
    console.error(`sim: ${(err as Error).message}`);
    Deno.exit(1);
  }
}
