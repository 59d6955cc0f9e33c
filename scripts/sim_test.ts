import { assertEquals, assertMatch, assertThrows } from "../tests/assert.ts";
import { isRefused } from "../tests/local_cloud/test_helpers.ts";
import { parseSimArgs } from "./sim.ts";

const SIM_TS = new URL("./sim.ts", import.meta.url).pathname;
const DENO_JSON = new URL("../deno.json", import.meta.url).pathname;

Deno.test("parseSimArgs() takes --speed and --seed in both spellings and names bad arguments", () => {
  assertEquals(parseSimArgs([]), { speed: 200, seed: undefined });
  assertEquals(parseSimArgs(["--speed", "50", "--seed=7"]), { speed: 50, seed: 7 });
  assertThrows(() => parseSimArgs(["--speed", "0"]), /--speed "0" must be a number above 0/);
  assertThrows(() => parseSimArgs(["--speed"]), /--speed needs a number/);
  assertThrows(() => parseSimArgs(["--fast"]), /Unknown argument "--fast"/);
});

Deno.test("deno task sim prints one JSON line with live endpoints and exits 0 on SIGTERM with nothing left listening", async () => {
  // The task's own command line, so its permission flags are what is tested.
  const task: string = JSON.parse(await Deno.readTextFile(DENO_JSON)).tasks.sim;
  const [deno, run, ...flags] = task.split(/\s+/);
  assertEquals([deno, run, flags.at(-1)], ["deno", "run", "scripts/sim.ts"]);
  const child = new Deno.Command(Deno.execPath(), {
    args: [run!, `--config=${DENO_JSON}`, ...flags.slice(0, -1), SIM_TS, "--speed", "500"],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  const line = text.split("\n")[0]!;
  const endpoints = JSON.parse(line);
  assertEquals(Object.keys(endpoints), ["hcloud", "ipEcho", "callerIp", "speed"]);
  assertMatch(endpoints.hcloud, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
  assertEquals(endpoints.speed, 500);

  const types = await fetch(`${endpoints.hcloud}/server_types`, { headers: { Authorization: "Bearer any" } });
  assertEquals([types.status, (await types.json()).server_types.length > 0], [200, true]);
  assertEquals(await (await fetch(endpoints.ipEcho)).text(), `${endpoints.callerIp}\n`);

  child.kill("SIGTERM");
  const [status, rest, stderr] = await Promise.all([
    child.status,
    (async () => {
      let more = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return more;
        more += value;
      }
    })(),
    new Response(child.stderr).text(),
  ]);
  assertEquals([status.code, status.signal, rest], [0, null, ""]);
  assertMatch(stderr, /local cloud stopped \(SIGTERM\)/);
  const port = (url: string) => Number(new URL(url).port);
  assertEquals(
    [await isRefused("127.0.0.1", port(endpoints.hcloud)), await isRefused("127.0.0.1", port(endpoints.ipEcho))],
    [true, true],
  );
});
