/**
 * Self-containment of the CLI, proved the way our offline build machines can: bundle `main.ts`
 * into one file, then run it from an empty temporary directory with no config file, no npm, no
 * remote imports and a fresh DENO_DIR. Whatever a command needs at run time must be inside the
 * bundle (imported), not read from the repository; `deno compile` embeds the same module graph.
 *
 * The commands below are the ones the release promises; each must work from the bundle.
 */
import { parseAllDocuments } from "yaml";
import { assertEquals, assertIncludes, assertOk } from "../assert.ts";
import { bundleCli } from "../../scripts/bundle.ts";

const checkout = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");

const STAMP = {
  version: "3.4.5-rc.1",
  commit: "0123456789abcdef0123456789abcdef01234567",
  date: "2026-02-03T04:05:06Z",
};

const K8ZNER_YAML = `name: bundle-check
region: fsn1
mode: dev
workers:
  count: 1
  size: cx23
`;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

Deno.test("the bundled CLI runs every release command from an empty directory", async (t) => {
  const root = await Deno.makeTempDir({ prefix: "k8zner-bundle-test-" });
  try {
    const bundlePath = `${root}/k8zner.js`;
    const result = await bundleCli(bundlePath, STAMP);
    console.log(`bundle: ${(result.bytes / 1024).toFixed(0)} KiB in ${result.milliseconds} ms`);
    const bundleText = await Deno.readTextFile(bundlePath);
    assertEquals(bundleText.includes(checkout), false, "the bundle refers to a path inside the checkout");

    const workdir = `${root}/empty`;
    await Deno.mkdir(workdir);
    await Deno.mkdir(`${root}/deno_dir`);
    const k8zner = async (...args: string[]): Promise<Run> => {
      const out = await new Deno.Command(Deno.execPath(), {
        // -A as a user would run it, but reading the checkout is denied: nothing may come from it.
        args: ["run", "-A", `--deny-read=${checkout}`, "--no-config", "--no-npm", "--no-remote", bundlePath, ...args],
        cwd: workdir,
        clearEnv: true,
        env: {
          PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
          HOME: workdir,
          DENO_DIR: `${root}/deno_dir`,
          NO_COLOR: "1",
        },
        stdout: "piped",
        stderr: "piped",
        signal: AbortSignal.timeout(30_000),
      }).output();
      const decode = (b: Uint8Array) => new TextDecoder().decode(b);
      return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
    };
    const explain = (r: Run) => `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;

    await t.step("version prints the stamped version, commit and date", async () => {
      const r = await k8zner("version");
      assertEquals(r.code, 0, explain(r));
      assertIncludes(r.stdout, `k8zner ${STAMP.version}`);
      assertIncludes(r.stdout, STAMP.commit);
      assertIncludes(r.stdout, STAMP.date);
    });

    await t.step("--help lists the release commands", async () => {
      const r = await k8zner("--help");
      assertEquals(r.code, 0, explain(r));
      for (const command of ["version", "config", "generate", "completion"]) {
        assertOk(
          new RegExp(`^\\s+${command}\\b`, "m").test(r.stdout),
          `--help does not list "${command}":\n${r.stdout}`,
        );
      }
    });

    await t.step("config schema prints a JSON Schema of k8zner.yaml", async () => {
      const r = await k8zner("config", "schema");
      assertEquals(r.code, 0, explain(r));
      const schema = JSON.parse(r.stdout);
      assertIncludes(String(schema.$schema), "2020-12");
      for (const field of ["name", "region", "mode", "workers"]) {
        assertOk(field in (schema.properties ?? {}), `schema has no property "${field}"`);
      }
    });

    await t.step("generate talos writes the machine configs and talosconfig", async () => {
      await Deno.writeTextFile(`${workdir}/k8zner.yaml`, K8ZNER_YAML);
      const r = await k8zner("generate", "talos", "-c", "k8zner.yaml", "-o", "out");
      assertEquals(r.code, 0, explain(r));
      for (const file of ["controlplane.yaml", "worker.yaml", "talosconfig"]) {
        const info = await Deno.stat(`${workdir}/out/${file}`);
        assertEquals(info.mode! & 0o777, 0o600, `${file} mode`);
      }
      const docs = parseAllDocuments(await Deno.readTextFile(`${workdir}/out/controlplane.yaml`));
      const types = [docs].flat().map((d) => (d.toJS() as { machine?: { type?: string } } | null)?.machine?.type);
      assertOk(types.includes("controlplane"), `controlplane.yaml has no machine.type controlplane: ${types}`);
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
