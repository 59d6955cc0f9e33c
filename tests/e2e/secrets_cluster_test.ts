/**
 * `k8zner secrets` against the fake Kubernetes API: the credential files of `./secrets/<cluster>/`
 * with their modes, Argo CD's initial admin password and Grafana's admin login read from their
 * Secrets, "not installed yet" when a Secret is absent, and a clear failure when the API is down.
 */
import { assertEquals, assertIncludes, assertOk } from "../assert.ts";
import { type FakeKubeApi, startFakeKubeApi } from "../kube_fake/mod.ts";
import type { CliContext } from "../../src/cli/context.ts";
import { runSecrets } from "../../src/cli/secrets_run.ts";
import { createKubeClient, type KubeClient } from "../../src/kube/mod.ts";
import { UserFacingError } from "../../src/lib/errors.ts";

const YAML = "name: demo\nregion: fsn1\nmode: dev\nworkers:\n  count: 1\n  size: cx33\nmonitoring: true\n";
const b64 = (s: string) => btoa(s);

interface World {
  api: FakeKubeApi;
  kube: KubeClient;
  dir: string;
  out: string[];
  logs: string[];
  ctx: (env?: Record<string, string>) => CliContext;
}

async function withWorld(fn: (w: World) => Promise<void>, yaml = YAML): Promise<void> {
  const api = await startFakeKubeApi();
  const kube = await createKubeClient({ kubeconfigYaml: api.kubeconfigYaml() });
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/k8zner.yaml`, yaml);
    await Deno.mkdir(`${dir}/secrets/demo`, { recursive: true, mode: 0o700 });
    for (const [name, text] of [["kubeconfig", api.kubeconfigYaml()], ["talosconfig", "context: demo\n"]] as const) {
      await Deno.writeTextFile(`${dir}/secrets/demo/${name}`, text, { mode: 0o600 });
    }
    const out: string[] = [];
    const logs: string[] = [];
    const ctx = (env: Record<string, string> = {}): CliContext => ({
      io: { out: (t) => out.push(t), err: (t) => logs.push(t), stdoutIsTty: false, stdinIsTty: false },
      env: (n) => env[n],
      cwd: dir,
      color: false,
    });
    await fn({ api, kube, dir, out, logs, ctx });
  } finally {
    kube.close();
    await api.close();
    await Deno.remove(dir, { recursive: true });
  }
}

async function addSecrets(kube: KubeClient): Promise<void> {
  for (const ns of ["argocd", "monitoring"]) {
    await kube.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  }
  await kube.create({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "argocd-initial-admin-secret", namespace: "argocd" },
    data: { password: b64("Argo-pa55-xyz") },
  });
  await kube.create({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "kube-prometheus-stack-grafana", namespace: "monitoring" },
    data: { "admin-user": b64("admin"), "admin-password": b64("Graf-pa55-abc") },
  });
}

Deno.test("secrets shows the credential files with their modes and the Argo CD and Grafana logins", async () => {
  await withWorld(async (w) => {
    await addSecrets(w.kube);
    const report = await runSecrets(w.ctx(), {});
    const text = w.out.join("\n");
    assertIncludes(text, 'Credentials of cluster "demo"');
    assertIncludes(text, "  kubeconfig    ./secrets/demo/kubeconfig  0600");
    assertIncludes(text, "  talosconfig   ./secrets/demo/talosconfig  0600");
    assertIncludes(text, "  secrets.yaml  ./secrets/demo/secrets.yaml  missing (written by k8zner apply)");
    assertIncludes(
      text,
      "Argo CD (Secret argocd/argocd-initial-admin-secret)\n  user      admin\n  password  Argo-pa55-xyz",
    );
    assertIncludes(
      text,
      "Grafana (Secret monitoring/kube-prometheus-stack-grafana)\n  user      admin\n  password  Graf-pa55-abc",
    );
    // No domain: no ingress, so the way in is a port-forward to the chart's Service.
    assertIncludes(
      text,
      "  password  Argo-pa55-xyz\n" +
        "  open      kubectl -n argocd port-forward svc/argo-cd-argocd-server 8080:80\n" +
        "            then http://localhost:8080",
    );
    assertIncludes(
      text,
      "  password  Graf-pa55-abc\n" +
        "  open      kubectl -n monitoring port-forward svc/kube-prometheus-stack-grafana 3000:80\n" +
        "            then http://localhost:3000",
    );
    assertEquals(report.addons.map((a) => a.status), ["found", "found"]);
    // Secrets go to stdout only: nothing at all on stderr.
    assertEquals(w.logs, []);

    w.out.length = 0;
    await runSecrets(w.ctx(), { json: true });
    const doc = JSON.parse(w.out.join("\n"));
    assertEquals(doc.addons[1], {
      addon: "grafana",
      secret: "monitoring/kube-prometheus-stack-grafana",
      status: "found",
      username: "admin",
      password: "Graf-pa55-abc",
      access: {
        url: "http://localhost:3000",
        portForward: "kubectl -n monitoring port-forward svc/kube-prometheus-stack-grafana 3000:80",
      },
    });
    assertEquals(doc.files.map((f: { name: string; mode?: string }) => [f.name, f.mode ?? null]), [
      ["kubeconfig", "0600"],
      ["talosconfig", "0600"],
      ["secrets.yaml", null],
    ]);
  });
});

Deno.test("with a domain, secrets shows the https URLs of Argo CD and Grafana instead of port-forwards", async () => {
  await withWorld(async (w) => {
    await addSecrets(w.kube);
    const report = await runSecrets(w.ctx(), {});
    const text = w.out.join("\n");
    assertIncludes(text, "  password  Argo-pa55-xyz\n  url       https://argo.example.com");
    assertIncludes(text, "  password  Graf-pa55-abc\n  url       https://grafana.example.com");
    assertEquals(text.includes("port-forward"), false);
    assertEquals(report.addons.map((a) => a.access), [
      { url: "https://argo.example.com" },
      { url: "https://grafana.example.com" },
    ]);
  }, `${YAML}domain: example.com\n`);
});

Deno.test("secrets says 'not installed yet' for absent addon Secrets and flags a file others can read", async () => {
  await withWorld(async (w) => {
    await Deno.chmod(`${w.dir}/secrets/demo/talosconfig`, 0o644);
    const report = await runSecrets(w.ctx(), {});
    assertEquals(report.addons.map((a) => `${a.addon}:${a.status}`), ["argocd:not-installed", "grafana:not-installed"]);
    const text = w.out.join("\n");
    assertIncludes(text, "Argo CD (Secret argocd/argocd-initial-admin-secret)\n  not installed yet");
    assertIncludes(text, "0644 (readable by others: chmod 600 it)");
  });
});

Deno.test("secrets says Grafana is not enabled when monitoring is off, instead of 'not installed yet'", async () => {
  await withWorld(async (w) => {
    const report = await runSecrets(w.ctx(), {});
    assertEquals(report.addons.map((a) => `${a.addon}:${a.status}`), ["argocd:not-installed", "grafana:disabled"]);
    assertIncludes(
      w.out.join("\n"),
      "Grafana (Secret monitoring/kube-prometheus-stack-grafana)\n" +
        "  not enabled: monitoring is off in the config (set monitoring: true to install Grafana)",
    );
    // Even when the cluster does not answer, a disabled addon is reported as disabled, not unavailable.
    w.out.length = 0;
    await w.api.close();
    await runSecrets(w.ctx(), { json: true }).catch(() => undefined);
    const doc = JSON.parse(w.out.join("\n"));
    assertEquals(doc.addons.map((a: { status: string }) => a.status), ["unavailable", "disabled"]);
  }, YAML.replace("monitoring: true\n", ""));
});

Deno.test("secrets fails clearly when the cluster does not answer, after listing the files", async () => {
  await withWorld(async (w) => {
    await w.api.close();
    const err = await runSecrets(w.ctx(), {}).then(() => undefined, (e: unknown) => e);
    assertOk(err instanceof UserFacingError, String(err));
    assertIncludes(err.message, 'Cannot read the addon credentials of cluster "demo"');
    const text = w.out.join("\n");
    assertIncludes(text, "  kubeconfig    ./secrets/demo/kubeconfig  0600");
    assertIncludes(text, "  unavailable: ");
  });
});

Deno.test("secrets before apply (no files, no KUBECONFIG) says to run apply; KUBECONFIG alone is enough", async () => {
  await withWorld(async (w) => {
    await addSecrets(w.kube);
    const kubeconfig = `${w.dir}/elsewhere.yaml`;
    await Deno.rename(`${w.dir}/secrets/demo/kubeconfig`, kubeconfig);
    await Deno.remove(`${w.dir}/secrets/demo/talosconfig`);
    const err = await runSecrets(w.ctx(), {}).then(() => undefined, (e: unknown) => e);
    assertOk(err instanceof UserFacingError, String(err));
    assertEquals(err.message, 'Cannot show the credentials of cluster "demo": ./secrets/demo/ holds none');
    assertIncludes(err.hint ?? "", "k8zner apply");

    const report = await runSecrets(w.ctx({ KUBECONFIG: kubeconfig }), {});
    assertEquals(report.kubeconfig, "./elsewhere.yaml");
    assertEquals(report.addons[0]?.password, "Argo-pa55-xyz");
  });
});
