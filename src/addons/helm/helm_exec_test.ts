import { assertEquals, assertIncludes, assertOk } from "../../../tests/assert.ts";
import { helmRequirement } from "../../../tests/kube_fake/helm_binary.ts";
import { requires, sharedFile } from "../../../tests/requirements.ts";
import { createHelmExec } from "./helm_exec.ts";

const HELM = await helmRequirement();
const METRICS_SERVER = sharedFile("charts/metrics-server-3.13.1.tgz");

/** A stand-in helm: a shell script reporting what it was given (never the values themselves). */
async function fakeHelm(dir: string, body: string): Promise<string> {
  const path = `${dir}/helm`;
  await Deno.writeTextFile(path, `#!/bin/sh\n${body}\n`);
  await Deno.chmod(path, 0o755);
  return path;
}

function mode(path: string): string {
  return ((Deno.statSync(path).mode ?? 0) & 0o777).toString(8);
}

Deno.test("createHelmExec() passes values as a 0600 file in a 0700 dir, removes it after, and gives Helm only its own environment", async () => {
  const dir = await Deno.makeTempDir();
  try {
    Deno.env.set("K8ZNER_TEST_LEAK", "operator-secret");
    const helm = await fakeHelm(
      dir,
      [
        'for a in "$@"; do last="$a"; done',
        'echo "args=$*"',
        'echo "file=$last"',
        'echo "mode=$(stat -c %a "$last") dirmode=$(stat -c %a "$(dirname "$last")")"',
        'echo "content=$(cat "$last")"',
        'echo "kubeconfig=$KUBECONFIG cache=$HELM_CACHE_HOME config=$HELM_CONFIG_HOME data=$HELM_DATA_HOME"',
        'echo "leak=${K8ZNER_TEST_LEAK:-none}"',
        'echo "warning on stderr" >&2',
        "exit 3",
      ].join("\n"),
    );
    const work = `${dir}/work`;
    const exec = createHelmExec({ helmPath: helm, kubeconfigPath: `${dir}/kubeconfig`, workDir: work });
    const result = await exec.run(["upgrade", "--install", "x", "chart.tgz"], {
      timeoutMs: 10_000,
      values: '{"replicas":2}',
    });
    assertEquals(result.code, 3);
    assertEquals(result.stderr, "warning on stderr\n");
    const out = Object.fromEntries(
      result.stdout.trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    assertOk(out.args!.startsWith("upgrade --install x chart.tgz -f "), out.args);
    assertEquals(out.mode, "600 dirmode=700");
    assertEquals(out.content, '{"replicas":2}');
    assertEquals(
      out.kubeconfig,
      `${dir}/kubeconfig cache=${work}/cache config=${work}/config data=${work}/data`,
    );
    assertEquals(out.leak, "none");
    assertEquals(mode(work), "700");
    assertEquals([...Deno.readDirSync(`${work}/values`)].length, 0, "the values file is removed");
    assertOk(!out.args!.includes("replicas"), "values never in the arguments");
  } finally {
    Deno.env.delete("K8ZNER_TEST_LEAK");
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("createHelmExec() kills Helm after its timeout or when the signal aborts, and removes the values file either way", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const helm = await fakeHelm(dir, "exec sleep 30");
    const work = `${dir}/work`;
    const exec = createHelmExec({ helmPath: helm, kubeconfigPath: `${dir}/kc`, workDir: work });
    const started = Date.now();
    const timedOut = await exec.run(["upgrade"], { timeoutMs: 300, values: "{}" });
    assertEquals(timedOut.timedOut, true);
    assertOk(timedOut.code !== 0);
    assertIncludes(timedOut.stderr, "helm was killed after 0 s");
    assertOk(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);

    const abort = new AbortController();
    setTimeout(() => abort.abort(new Error("shutting down")), 200);
    const err = await exec.run(["upgrade"], { timeoutMs: 60_000, signal: abort.signal, values: "{}" })
      .then(() => undefined, (e) => e);
    assertEquals((err as Error)?.message, "shutting down");
    assertEquals([...Deno.readDirSync(`${work}/values`)].length, 0);

    const missing = createHelmExec({ helmPath: `${dir}/nope`, kubeconfigPath: `${dir}/kc`, workDir: work });
    const notFound = await missing.run(["version"], { timeoutMs: 1_000 });
    assertEquals(notFound.code, 127);
    assertIncludes(notFound.stderr, `Cannot run helm "${dir}/nope"`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test(requires([HELM, METRICS_SERVER], {
  name: "createHelmExec() runs the real Helm: version, and template of a pinned archive with a values file",
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const exec = createHelmExec({ helmPath: HELM.path, kubeconfigPath: `${dir}/none`, workDir: `${dir}/work` });
      const version = await exec.run(["version", "--short"], { timeoutMs: 30_000 });
      assertEquals(version.code, 0, version.stderr);
      assertIncludes(version.stdout, "v4.1.4");
      const rendered = await exec.run(
        ["template", "metrics-server", METRICS_SERVER.path, "--namespace", "kube-system"],
        { timeoutMs: 60_000, values: JSON.stringify({ replicas: 3, args: ["--kubelet-insecure-tls"] }) },
      );
      assertEquals(rendered.code, 0, rendered.stderr);
      assertIncludes(rendered.stdout, "kind: Deployment");
      assertIncludes(rendered.stdout, "replicas: 3");
      assertIncludes(rendered.stdout, "--kubelet-insecure-tls");
      assertEquals([...Deno.readDirSync(`${dir}/work/values`)].length, 0);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
}));

Deno.test("createHelmExec() reports a Helm the binary's --allow-run does not name as a failed run (exit 127), not a crash", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const helm = await fakeHelm(dir, "echo ran");
    const module = new URL("./helm_exec.ts", import.meta.url).href;
    await Deno.writeTextFile(
      `${dir}/probe.ts`,
      `import { createHelmExec } from ${JSON.stringify(module)};
const exec = createHelmExec({ helmPath: ${JSON.stringify(helm)}, kubeconfigPath: "/none", workDir: ${
        JSON.stringify(`${dir}/work`)
      } });
const r = await exec.run(["version"], { timeoutMs: 5000 });
console.log(JSON.stringify({ code: r.code, stderr: r.stderr }));`,
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-prompt",
        "--allow-read",
        "--allow-write",
        "--allow-run=/usr/local/bin/helm",
        `${dir}/probe.ts`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
    const result = JSON.parse(new TextDecoder().decode(out.stdout));
    assertEquals(result.code, 127);
    assertIncludes(result.stderr, `Cannot run helm "${helm}"`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
