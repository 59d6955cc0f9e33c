/**
 * `k8zner doctor` with a domain and monitoring, against the fake Kubernetes API holding a K8znerCluster
 * status fixture: each addon's phase (with Helm's last error while not Installed), and for Argo CD and
 * Grafana whether the name resolves, the certificate is valid for it and the UI answers HTTP, through
 * injected probes, in text and `--json`.
 */
import { assertEquals, assertIncludes, assertOk } from "../assert.ts";
import { startFakeKubeApi } from "../kube_fake/mod.ts";
import { renderK8znerCluster, renderK8znerClusterSpec } from "../../src/addons/k8zner_cluster.ts";
import { renderK8znerClusterCrd } from "../../src/addons/k8zner_crd.ts";
import type { CliContext } from "../../src/cli/context.ts";
import { DoctorFailedError, runDoctorCommand } from "../../src/cli/doctor_run.ts";
import type { EndpointProbes, PresentedCertificate } from "../../src/bootstrap/doctor_endpoints.ts";
import { expandSpec, parseConfig } from "../../src/config/mod.ts";
import { createKubeClient } from "../../src/kube/mod.ts";

const YAML = "name: demo\nregion: fsn1\nmode: dev\nworkers:\n  count: 2\n  size: cx33\n" +
  "domain: example.com\nmonitoring: true\napi_allowlist:\n  - 198.51.100.0/24\n";
const NOW = new Date("2026-03-01T12:00:00Z");

const STATUS = {
  phase: "Running",
  provisioningPhase: "Running",
  controlPlanes: { desired: 1, ready: 1, nodes: [{ name: "demo-cp-1", phase: "Ready", healthy: true }] },
  workers: { desired: 2, ready: 2 },
  addons: {
    cilium: { phase: "Installed", chartVersion: "1.19.3", installOrder: 1 },
    "cert-manager": { phase: "Installed", chartVersion: "v1.21.1", installOrder: 5 },
    "argo-cd": { phase: "Installed", chartVersion: "9.7.0", installOrder: 8 },
    "kube-prometheus-stack": {
      phase: "Failed",
      chartVersion: "88.2.0",
      message: "helm upgrade --install failed (attempt 2)",
      lastError: "coalesce.go:301: warning\nError: context deadline exceeded\n",
      retryAt: "2026-03-01T12:01:00Z",
      installOrder: 9,
    },
    "external-dns": { phase: "Installing", chartVersion: "1.21.1", installOrder: 7 },
  },
};

function certificate(names: string[], validTo: string): PresentedCertificate {
  return { names, validFrom: new Date("2026-02-01T00:00:00Z"), validTo: new Date(validTo), trusted: true };
}

/** Argo CD fine; Grafana's name resolves but Traefik still serves its default certificate, expired. */
const PROBES: EndpointProbes = {
  resolve: (host) =>
    host === "argo.example.com" || host === "grafana.example.com"
      ? Promise.resolve(["127.0.200.1"])
      : Promise.reject(new Error("NXDOMAIN")),
  certificate: (host) =>
    Promise.resolve(
      host === "argo.example.com"
        ? certificate(["argo.example.com"], "2026-05-30T00:00:00Z")
        : certificate(["TRAEFIK DEFAULT CERT"], "2026-02-15T00:00:00Z"),
    ),
  http: (url) => Promise.resolve(url.startsWith("https://argo.") ? 200 : 404),
};

async function withCluster(fn: (ctx: CliContext, out: string[]) => Promise<void>): Promise<void> {
  const api = await startFakeKubeApi();
  const kube = await createKubeClient({ kubeconfigYaml: api.kubeconfigYaml() });
  const dir = await Deno.makeTempDir();
  try {
    await kube.applyServerSide([
      renderK8znerClusterCrd(),
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "k8zner-system" } },
    ]);
    const parsed = parseConfig(YAML, "k8zner.yaml", { requireEnv: false });
    await kube.create(renderK8znerCluster({ name: "demo", spec: renderK8znerClusterSpec(expandSpec(parsed.spec!)) }));
    await kube.patchStatus("k8zner.io/v1alpha1", "K8znerCluster", "demo", "k8zner-system", STATUS);
    await Deno.writeTextFile(`${dir}/k8zner.yaml`, YAML);
    await Deno.mkdir(`${dir}/secrets/demo`, { recursive: true, mode: 0o700 });
    await Deno.writeTextFile(`${dir}/secrets/demo/kubeconfig`, api.kubeconfigYaml(), { mode: 0o600 });
    const out: string[] = [];
    const ctx: CliContext = {
      io: { out: (t) => out.push(t), err: () => {}, stdoutIsTty: false, stdinIsTty: false },
      env: () => undefined,
      cwd: dir,
      color: false,
      now: () => NOW,
    };
    await fn(ctx, out);
  } finally {
    kube.close();
    await api.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("doctor shows each addon's phase with Helm's last error, and probes the Argo CD and Grafana endpoints", async () => {
  await withCluster(async (ctx, out) => {
    const err = await runDoctorCommand(ctx, {}, { probes: PROBES }).then(() => undefined, (e: unknown) => e);
    assertOk(err instanceof DoctorFailedError, String(err));
    assertEquals(err.message, "doctor: 2 check(s) failed: kube-prometheus-stack, Grafana https://grafana.example.com/");
    const text = out.join("\n");
    assertIncludes(
      text,
      "Addons\n  ✔ cilium: Installed, 1.19.3\n  ✔ cert-manager: Installed, v1.21.1\n" +
        "  ! external-dns: Installing, 1.21.1\n  ✔ argo-cd: Installed, 9.7.0\n" +
        "  ✖ kube-prometheus-stack: Failed, 88.2.0, helm upgrade --install failed (attempt 2), " +
        "last error: Error: context deadline exceeded\n" +
        "      hint: The operator retries at 2026-03-01T12:01:00Z.",
    );
    assertIncludes(
      text,
      "  ✔ Argo CD https://argo.example.com/: resolves to 127.0.200.1, certificate valid until 2026-05-30, HTTP 200",
    );
    assertIncludes(
      text,
      "  ✖ Grafana https://grafana.example.com/: the certificate is for TRAEFIK DEFAULT CERT, not grafana.example.com",
    );
  });
});

Deno.test("doctor --json carries the addons' phases and each endpoint's DNS, TLS and HTTP result", async () => {
  await withCluster(async (ctx, out) => {
    await runDoctorCommand(ctx, { json: true }, { probes: PROBES }).catch((e) => {
      if (!(e instanceof DoctorFailedError)) throw e;
    });
    const doc = JSON.parse(out.join("\n"));
    assertEquals(doc.healthy, false);
    assertEquals(doc.addons.map((a: { name: string; phase: string }) => `${a.name}=${a.phase}`), [
      "cilium=Installed",
      "cert-manager=Installed",
      "external-dns=Installing",
      "argo-cd=Installed",
      "kube-prometheus-stack=Failed",
    ]);
    assertEquals(doc.addons[4], {
      name: "kube-prometheus-stack",
      phase: "Failed",
      chartVersion: "88.2.0",
      message: "helm upgrade --install failed (attempt 2)",
      lastError: "Error: context deadline exceeded",
      retryAt: "2026-03-01T12:01:00Z",
    });
    assertEquals(doc.endpoints, [
      {
        name: "Argo CD",
        host: "argo.example.com",
        url: "https://argo.example.com/",
        dns: { ok: true, addresses: ["127.0.200.1"] },
        tls: { ok: true, validTo: "2026-05-30T00:00:00.000Z" },
        http: { ok: true, status: 200 },
      },
      {
        name: "Grafana",
        host: "grafana.example.com",
        url: "https://grafana.example.com/",
        dns: { ok: true, addresses: ["127.0.200.1"] },
        tls: {
          ok: false,
          validTo: "2026-02-15T00:00:00.000Z",
          error: "the certificate is for TRAEFIK DEFAULT CERT, not grafana.example.com",
        },
        http: { ok: true, status: 404 },
      },
    ]);
  });
});
