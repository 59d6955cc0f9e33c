import { Buffer } from "node:buffer";
import { assertEquals, assertIncludes, assertMatch, assertOk, assertRejects } from "../../tests/assert.ts";
import { loadTalosSchemaCheck, TALOS_SCHEMA } from "../../tests/talos_schema.ts";
import { requires } from "../../tests/requirements.ts";
import { exitCodeFor } from "../lib/errors.ts";
import { parseTalosconfig } from "../talos/talosconfig.ts";
import { parseCertificate } from "../talos/pki.ts";
import type { CliContext } from "./context.ts";
import { createProgram } from "./program.ts";

const NOW = new Date("2026-03-01T12:00:00Z");
const check = await loadTalosSchemaCheck();

function fakeContext(cwd: string, now = NOW): CliContext & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { out: (t) => out.push(t), err: (t) => err.push(t), stdoutIsTty: false, stdinIsTty: false },
    env: () => undefined,
    cwd,
    color: false,
    now: () => now,
    out,
    err,
  };
}

async function run(ctx: CliContext, args: string[]): Promise<void> {
  await createProgram(ctx).parseAsync(args, { from: "user" });
}

async function withProject(mode: "dev" | "ha", fn: (root: string) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${root}/k8zner.yaml`,
      `name: demo\nregion: fsn1\nmode: ${mode}\nworkers:\n  count: 2\n  size: cx33\n`,
    );
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

const FILES = ["controlplane.yaml", "secrets.yaml", "talosconfig", "worker.yaml"];

async function readAll(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of FILES) out[name] = await Deno.readTextFile(`${dir}/${name}`);
  return out;
}

Deno.test("generate talos writes secrets, both role configs and a talosconfig, all 0600 in a 0700 directory", async () => {
  await withProject("dev", async (root) => {
    const ctx = fakeContext(root);
    await run(ctx, ["generate", "talos", "-c", "k8zner.yaml", "-o", "out"]);
    const names = [];
    for await (const entry of Deno.readDir(`${root}/out`)) names.push(entry.name);
    assertEquals(names.sort(), FILES);
    assertEquals((await Deno.stat(`${root}/out`)).mode! & 0o777, 0o700);
    for (const name of FILES) assertEquals((await Deno.stat(`${root}/out/${name}`)).mode! & 0o777, 0o600, name);
    const files = await readAll(`${root}/out`);
    assertIncludes(files["controlplane.yaml"]!, "allowSchedulingOnControlPlanes: true");
    assertIncludes(files["controlplane.yaml"]!, "endpoint: https://10.0.0.254:6443");
    const creds = parseTalosconfig(files["talosconfig"]!);
    assertEquals([creds.context, creds.endpoints], ["demo", ["10.0.0.254"]]);
    assertEquals(parseCertificate(creds.certPem).notBefore.toISOString(), NOW.toISOString());
    assertMatch(ctx.err.join("\n"), /generated .*secrets\.yaml/);
  });
});

Deno.test(requires([TALOS_SCHEMA], {
  name: "generate talos output passes the Talos v1.13 schema check",
  fn: async () => {
    for (const mode of ["dev", "ha"] as const) {
      await withProject(mode, async (root) => {
        await run(fakeContext(root), ["generate", "talos", "-o", `${root}/out`, "--endpoint", "https://203.0.113.7"]);
        for (const name of ["controlplane.yaml", "worker.yaml"]) {
          const text = await Deno.readTextFile(`${root}/out/${name}`);
          assertEquals(check!(text), [], `${mode} ${name}`);
          assertIncludes(text, "https://203.0.113.7:6443");
        }
      });
    }
  },
}));

Deno.test("generate talos is byte-identical on a second run with the same secrets and clock", async () => {
  await withProject("ha", async (root) => {
    await run(fakeContext(root), ["generate", "talos", "-o", "out"]);
    const first = await readAll(`${root}/out`);
    const ctx = fakeContext(root, new Date(NOW.getTime()));
    await run(ctx, ["generate", "talos", "-o", "out"]);
    assertEquals(await readAll(`${root}/out`), first);
    assertMatch(ctx.err.join("\n"), /reused .*secrets\.yaml/);
  });
});

Deno.test("generate talos re-issues the talosconfig when the secrets changed, keeping nothing stale", async () => {
  await withProject("ha", async (root) => {
    await run(fakeContext(root), ["generate", "talos", "-o", "out"]);
    const first = await readAll(`${root}/out`);
    await Deno.remove(`${root}/out/secrets.yaml`);
    await run(fakeContext(root), ["generate", "talos", "-o", "out"]);
    const second = await readAll(`${root}/out`);
    assertOk(second["secrets.yaml"] !== first["secrets.yaml"]);
    assertOk(second["talosconfig"] !== first["talosconfig"]);
    const ca = parseTalosconfig(second["talosconfig"]!).caPem;
    const secretsOsCrt = /os:\n\s+crt: (\S+)/.exec(second["secrets.yaml"]!)![1]!;
    assertEquals(ca, Buffer.from(secretsOsCrt, "base64").toString());
  });
});

Deno.test("generate talos reports a broken secrets file with its path and field, exit code 2", async () => {
  await withProject("dev", async (root) => {
    await Deno.mkdir(`${root}/out`);
    await Deno.writeTextFile(`${root}/out/secrets.yaml`, "cluster:\n    id: x\n");
    await assertRejects(() => run(fakeContext(root), ["generate", "talos", "-o", "out"]), (err: unknown) => {
      assertMatch(String((err as Error).message), /out\/secrets\.yaml: .*"secrets" must be a mapping, got missing/);
      assertEquals(exitCodeFor(err), 2);
      return true;
    });
  });
});

Deno.test("generate talos reports a missing or invalid k8zner.yaml and a bad endpoint with exit code 2", async () => {
  await withProject("dev", async (root) => {
    await assertRejects(() => run(fakeContext(root), ["generate", "talos", "-c", "nope.yaml", "-o", "out"]), (err) => {
      assertMatch((err as Error).message, /config file nope.yaml not found/);
      assertEquals(exitCodeFor(err), 2);
      return true;
    });
    await Deno.writeTextFile(
      `${root}/bad.yaml`,
      "name: demo\nregion: mars\nmode: dev\nworkers:\n  count: 1\n  size: cx23\n",
    );
    await assertRejects(() => run(fakeContext(root), ["generate", "talos", "-c", "bad.yaml", "-o", "out"]), (err) => {
      assertMatch((err as Error).message, /region/);
      assertEquals(exitCodeFor(err), 2);
      return true;
    });
    await assertRejects(
      () => run(fakeContext(root), ["generate", "talos", "-o", "out", "--endpoint", "http://x/api"]),
      (err) => {
        assertMatch((err as Error).message, /--endpoint "http:\/\/x\/api"/);
        assertEquals(exitCodeFor(err), 2);
        return true;
      },
    );
  });
});
