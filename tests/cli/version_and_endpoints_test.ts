/**
 * On the real `main.ts` in a subprocess: `--version` as every CLI has it, and the environment's
 * endpoints refused (exit 2, the variable named) when they would send the token or trust an IP
 * answer over plain http to another machine.
 *
 * @module
 */
import { assertEquals, assertIncludes } from "../assert.ts";
import { BUILD_INFO } from "../../src/build_info.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const dec = new TextDecoder();

async function k8zner(args: string[], cwd: string, env: Record<string, string> = {}) {
  const denoDir = Deno.env.get("DENO_DIR");
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    clearEnv: true,
    // HOME is the caller's: Deno keeps its cache under it when DENO_DIR is unset.
    env: {
      PATH: Deno.env.get("PATH") ?? "",
      HOME: Deno.env.get("HOME") ?? "/tmp",
      ...(denoDir ? { DENO_DIR: denoDir } : {}),
      NO_COLOR: "1",
      ...env,
    },
  }).output();
  return { code: r.code, stdout: dec.decode(r.stdout), stderr: dec.decode(r.stderr) };
}

Deno.test("k8zner --version and -V print the version number and exit 0", async () => {
  for (const flag of ["--version", "-V"]) {
    const r = await k8zner([flag], "/");
    assertEquals(r.code, 0, r.stderr);
    assertEquals(r.stdout.trim(), BUILD_INFO.version);
  }
});

Deno.test("plain http endpoints to other hosts exit 2 naming the variable, before any request", async () => {
  const dir = await Deno.makeTempDir({ prefix: "k8zner-endpoints-" });
  try {
    await Deno.writeTextFile(
      `${dir}/k8zner.yaml`,
      "name: ep\nregion: fsn1\nmode: dev\nworkers:\n  count: 1\n  size: cx23\n",
    );
    const plan = await k8zner(["plan"], dir, { HCLOUD_TOKEN: "t", HCLOUD_ENDPOINT: "http://api.example.invalid/v1" });
    assertEquals(plan.code, 2, plan.stderr);
    assertIncludes(plan.stderr, `error: Cannot use HCLOUD_ENDPOINT "http://api.example.invalid/v1": plain http`);

    const apply = await k8zner(["plan"], dir, {
      HCLOUD_TOKEN: "t",
      HCLOUD_ENDPOINT: "http://127.0.0.1:9/v1",
      K8ZNER_IP_URL: "http://ip.example.invalid/",
    });
    assertEquals(apply.code, 2, apply.stderr);
    assertIncludes(apply.stderr, `error: Cannot use K8ZNER_IP_URL "http://ip.example.invalid/": plain http`);

    const doctor = await k8zner(["doctor"], dir, { K8ZNER_IP_URL: "http://10.1.2.3/ip" });
    assertEquals(doctor.code, 2, doctor.stderr);
    assertIncludes(doctor.stderr, `error: Cannot use K8ZNER_IP_URL "http://10.1.2.3/ip": plain http`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
