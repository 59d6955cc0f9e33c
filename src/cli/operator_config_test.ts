import { assertEquals, assertIncludes, assertOk } from "../../tests/assert.ts";
import { startFakeKubeApi } from "../../tests/kube_fake/mod.ts";
import { makeSelfSignedCert, OPENSSL } from "../../tests/kube_fake/loopback_cert.ts";
import { requires } from "../../tests/requirements.ts";
import { createKubeClient } from "../kube/mod.ts";
import { UsageError } from "../lib/errors.ts";
import { loadOperatorConfig, type OperatorFlags, parseDurationFlag } from "./operator_config.ts";

const CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const SA = "/sa";

function io(env: Record<string, string>, files: Record<string, string>) {
  return {
    env: (name: string) => env[name],
    readTextFile: (path: string) => Promise.resolve(files[path]),
    randomSuffix: () => "abc123",
    pathKind: (path: string) =>
      Promise.resolve(
        files[path] !== undefined
          ? "file" as const
          : Object.keys(files).some((f) => f.startsWith(`${path}/`))
          ? "directory" as const
          : "missing" as const,
      ),
    absolutePath: (path: string) => path.startsWith("/") ? path : `/work/${path}`,
  };
}

const POD_ENV = {
  KUBERNETES_SERVICE_HOST: "10.96.0.1",
  KUBERNETES_SERVICE_PORT: "443",
  K8ZNER_SERVICE_ACCOUNT_DIR: SA,
  POD_NAME: "k8zner-operator-7d9f-x2",
};
const SA_FILES = { [`${SA}/token`]: "eyJhbGciOi.token\n", [`${SA}/ca.crt`]: CA, [`${SA}/namespace`]: "k8zner-system" };

async function usageError(
  flags: OperatorFlags,
  env: Record<string, string> = POD_ENV,
  files: Record<string, string> = SA_FILES,
) {
  const err = await loadOperatorConfig(flags, io(env, files)).then(() => undefined, (e) => e);
  assertOk(err instanceof UsageError, `expected a UsageError, got ${err}`);
  return err.message;
}

Deno.test("loadOperatorConfig() in a pod uses the service account files and KUBERNETES_SERVICE_HOST/PORT", async () => {
  const config = await loadOperatorConfig({
    healthProbeBindAddress: "10.0.0.2:8081",
    metricsBindAddress: "10.0.0.2:8080",
  }, io(POD_ENV, SA_FILES));
  assertEquals(config.kube.tokenFile, "/sa/token");
  assertIncludes(config.kube.kubeconfigYaml, 'server: "https://10.96.0.1:443"');
  assertIncludes(config.kube.kubeconfigYaml, 'certificate-authority: "/sa/ca.crt"');
  assertOk(!config.kube.kubeconfigYaml.includes("eyJhbGciOi"), "the token is read per request, never copied");
  assertEquals([config.identity, config.namespace], ["k8zner-operator-7d9f-x2", "k8zner-system"]);
  assertEquals([config.healthAddress, config.metricsAddress], ["10.0.0.2:8081", "10.0.0.2:8080"]);
  assertEquals(config.lease, { durationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 });
  assertEquals(config.talosAddressMap.size, 0);

  const v6 = await loadOperatorConfig({}, io({ ...POD_ENV, KUBERNETES_SERVICE_HOST: "fd00::1" }, SA_FILES));
  assertIncludes(v6.kube.kubeconfigYaml, 'server: "https://[fd00::1]:443"');
});

Deno.test("loadOperatorConfig() takes the Talos address map from the flag or K8ZNER_TALOS_ADDRESS_MAP", async () => {
  const fromEnv = await loadOperatorConfig(
    {},
    io({ ...POD_ENV, K8ZNER_TALOS_ADDRESS_MAP: "10.0.0.0/16=127.101.0.0/16" }, SA_FILES),
  );
  assertEquals(fromEnv.talosAddressMap.translate("10.0.1.2"), "127.101.1.2");
  const fromFlag = await loadOperatorConfig({ talosAddressMap: "10.0.0.0/24=127.5.5.0/24" }, io(POD_ENV, SA_FILES));
  assertEquals(fromFlag.talosAddressMap.translate("10.0.0.9"), "127.5.5.9");
});

Deno.test("loadOperatorConfig() outside a pod needs --kubeconfig and names what is missing", async () => {
  assertIncludes(await usageError({}, {}), "KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set");
  assertIncludes(await usageError({}, POD_ENV, { ...SA_FILES, "/sa/token": "" }), "/sa/token is empty");
  assertIncludes(await usageError({}, POD_ENV, { [`${SA}/ca.crt`]: CA }), "/sa/token is missing");
  assertIncludes(await usageError({}, POD_ENV, { ...SA_FILES, "/sa/ca.crt": "x" }), "/sa/ca.crt is not a PEM");
  assertIncludes(await usageError({ kubeconfig: "/nope" }), "--kubeconfig /nope: no such file");
  const dev = await loadOperatorConfig({ kubeconfig: "/kc" }, io({}, { "/kc": "apiVersion: v1" }));
  assertEquals([dev.kube.tokenFile, dev.identity, dev.namespace], [
    undefined,
    "k8zner-operator-abc123",
    "k8zner-system",
  ]);
});

Deno.test("loadOperatorConfig() refuses bad flags and environment with the flag's name", async () => {
  assertIncludes(
    await usageError({ healthProbeBindAddress: "0.0.0.0:8081" }),
    '--health-probe-bind-address: Cannot bind to "0.0.0.0:8081": every interface',
  );
  assertIncludes(await usageError({ metricsBindAddress: ":8080" }), "--metrics-bind-address");
  assertIncludes(
    await usageError({ healthProbeBindAddress: "127.0.0.1:9", metricsBindAddress: "127.0.0.1:9" }),
    "are both 127.0.0.1:9",
  );
  assertIncludes(await usageError({ talosAddressMap: "10.0.0.0/16" }), "--talos-address-map: Talos address map entry");
  assertIncludes(
    await usageError({}, { ...POD_ENV, K8ZNER_TALOS_ADDRESS_MAP: "x=y" }),
    "K8ZNER_TALOS_ADDRESS_MAP: Talos address map entry",
  );
  assertIncludes(await usageError({ logLevel: "loud" }), '--log-level "loud" is not one of debug, info, warn, error');
  assertIncludes(await usageError({ leaderElectionLeaseDuration: "15" }), "--leader-election-lease-duration");
  assertIncludes(await usageError({ leaderElectionRetryPeriod: "20s" }), "must hold");
  assertIncludes(await usageError({}, { ...POD_ENV, HCLOUD_ENDPOINT: "http://example.com" }), "HCLOUD_ENDPOINT");
  assertIncludes(await usageError({}, { ...POD_ENV, KUBERNETES_SERVICE_PORT: "https" }), "not a port number");
  assertIncludes(await usageError({ namespace: "Bad_NS" }), "not a valid Kubernetes namespace name");
  const off = await loadOperatorConfig({ healthProbeBindAddress: "0", metricsBindAddress: "0" }, io(POD_ENV, SA_FILES));
  assertEquals([off.healthAddress, off.metricsAddress], [undefined, undefined]);
  assertEquals(parseDurationFlag("--x", "1m30s"), 90_000);
});

Deno.test(requires([OPENSSL], {
  name: "the in-cluster config verifies the API server against ca.crt and authenticates with the token file",
  fn: async () => {
    const dir = await Deno.makeTempDir();
    // The API server's certificate doubles as the service account's ca.crt (self-signed).
    const server = await makeSelfSignedCert(dir, { name: "ca" });
    const api = await startFakeKubeApi({ tls: { certPem: server.certPem, keyPem: server.keyPem } });
    // A token the API server issued: the fake, like a real one, refuses tokens it does not know.
    api.store.put({
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: "k8zner-operator", namespace: "k8zner-system" },
    });
    await Deno.writeTextFile(`${dir}/token`, api.store.issueServiceAccountToken("k8zner-system", "k8zner-operator"));
    await Deno.writeTextFile(`${dir}/namespace`, "k8zner-system");
    const port = new URL(api.url).port;
    const env = {
      KUBERNETES_SERVICE_HOST: "127.0.0.1",
      KUBERNETES_SERVICE_PORT: port,
      K8ZNER_SERVICE_ACCOUNT_DIR: dir,
    };
    const realIo = {
      env: (n: string) => (env as Record<string, string>)[n],
      readTextFile: (p: string) => Deno.readTextFile(p).catch(() => undefined),
      randomSuffix: () => "t",
      pathKind: () => Promise.resolve("missing" as const),
      absolutePath: (p: string) => p,
    };
    try {
      const config = await loadOperatorConfig({}, realIo);
      const kube = await createKubeClient({
        kubeconfigYaml: config.kube.kubeconfigYaml,
        tokenFile: config.kube.tokenFile,
      });
      try {
        const namespaces = await kube.list("v1", "Namespace");
        assertOk(namespaces.some((n) => n.metadata.name === "default"));
        assertEquals(api.requests.at(-1)?.user, "system:serviceaccount:k8zner-system:k8zner-operator");
      } finally {
        kube.close();
      }
      // Another CA: the API server's certificate is refused.
      await makeSelfSignedCert(dir, { name: "ca", subject: "x" });
      const untrusted = await createKubeClient({
        kubeconfigYaml: (await loadOperatorConfig({}, realIo)).kube.kubeconfigYaml,
        tokenFile: `${dir}/token`,
      });
      try {
        const err = await untrusted.list("v1", "Namespace").then(() => undefined, (e) => e);
        assertOk(err instanceof Error, "a server certificate from another CA must be refused");
      } finally {
        untrusted.close();
      }
    } finally {
      await api.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
}));

Deno.test("loadOperatorConfig() takes --charts-dir and --helm-binary from flags, env or defaults, and a kubeconfig for Helm", async () => {
  const defaults = await loadOperatorConfig({}, io(POD_ENV, SA_FILES));
  assertEquals([defaults.helm.binary, defaults.helm.chartsDir], ["/usr/local/bin/helm", "/charts"]);
  const helmKubeconfig = (defaults.helm.kubeconfig as { yaml: string }).yaml;
  assertIncludes(helmKubeconfig, 'server: "https://10.96.0.1:443"');
  assertIncludes(helmKubeconfig, 'certificate-authority: "/sa/ca.crt"');
  // The token file, not the token: Helm re-reads it, so a rotated token keeps working.
  assertIncludes(helmKubeconfig, 'tokenFile: "/sa/token"');
  assertOk(!helmKubeconfig.includes("eyJhbGciOi"));

  const fromEnv = await loadOperatorConfig(
    {},
    io({ ...POD_ENV, K8ZNER_CHARTS_DIR: "/opt/charts", K8ZNER_HELM_BINARY: "bin/helm" }, SA_FILES),
  );
  assertEquals([fromEnv.helm.binary, fromEnv.helm.chartsDir], ["/work/bin/helm", "/opt/charts"]);
  const fromFlags = await loadOperatorConfig(
    { chartsDir: "/c", helmBinary: "/h", kubeconfig: "kc.yaml" },
    io({ ...POD_ENV, K8ZNER_CHARTS_DIR: "/opt/charts" }, { ...SA_FILES, "kc.yaml": "apiVersion: v1\n" }),
  );
  assertEquals([fromFlags.helm.binary, fromFlags.helm.chartsDir], ["/h", "/c"]);
  assertEquals(fromFlags.helm.kubeconfig, { path: "/work/kc.yaml" });
});

Deno.test("loadOperatorConfig() refuses a Helm binary that is a directory, a charts dir that is a file, and empty paths (exit 2)", async () => {
  const files = { ...SA_FILES, "/opt/helm/x": "", "/charts.tgz": "" };
  assertIncludes(
    await usageError({ helmBinary: "/opt/helm" }, POD_ENV, files),
    '--helm-binary "/opt/helm" is a directory, not the helm binary',
  );
  assertIncludes(
    await usageError({}, { ...POD_ENV, K8ZNER_CHARTS_DIR: "/charts.tgz" }, files),
    'K8ZNER_CHARTS_DIR "/charts.tgz" is a file, not the directory of chart archives',
  );
  assertIncludes(await usageError({ chartsDir: " " }), "--charts-dir is empty");
});

Deno.test("loadOperatorConfig() runs on the real clock unless K8ZNER_OPERATOR_CLOCK_SCALE is set, and refuses a bad scale by name", async () => {
  const real = await loadOperatorConfig({}, io(POD_ENV, SA_FILES));
  assertEquals(real.clockScale, undefined);
  const blank = await loadOperatorConfig({}, io({ ...POD_ENV, K8ZNER_OPERATOR_CLOCK_SCALE: " " }, SA_FILES));
  assertEquals(blank.clockScale, undefined);
  const fast = await loadOperatorConfig({}, io({ ...POD_ENV, K8ZNER_OPERATOR_CLOCK_SCALE: " 60 " }, SA_FILES));
  assertEquals(fast.clockScale, 60);
  for (const bad of ["fast", "0.5", "0", "-60", "1001", "Infinity"]) {
    assertEquals(
      await usageError({}, { ...POD_ENV, K8ZNER_OPERATOR_CLOCK_SCALE: bad }),
      `K8ZNER_OPERATOR_CLOCK_SCALE="${bad}" is not a number from 1 to 1000`,
    );
  }
});
