import { assertEquals, assertIncludes, assertOk } from "../../../tests/assert.ts";
import { CHARTS } from "../../config/versions.ts";
import { nextBackoff, waitMs } from "./backoff.ts";
import { helmErrorSummary, scrubSecrets } from "./helm_error.ts";
import { rollbackArgs, uninstallArgs, upgradeInstallArgs } from "./helm_args.ts";
import { canonicalValues, VALUES_HASH_LENGTH, valuesHash } from "./values_hash.ts";

Deno.test("nextBackoff() waits 10 s, 30 s, 60 s, then 5 min between attempts", () => {
  const delays: number[] = [];
  let b = undefined;
  let now = 1_000;
  for (let i = 0; i < 6; i++) {
    b = nextBackoff(b, now);
    delays.push(b.retryAtMs - now);
    now = b.retryAtMs;
  }
  assertEquals(delays, [10_000, 30_000, 60_000, 300_000, 300_000, 300_000]);
  assertEquals(waitMs({ failures: 1, retryAtMs: 5_000 }, 4_000), 1_000);
  assertEquals(waitMs({ failures: 1, retryAtMs: 5_000 }, 6_000), 0);
  assertEquals(waitMs(undefined, 6_000), 0);
});

Deno.test("valuesHash() is the same for the same values in any key order and differs when a value does", async () => {
  const a = await valuesHash({ b: { y: 1, x: [1, { q: 2, p: 3 }] }, a: "v" });
  const b = await valuesHash({ a: "v", b: { x: [1, { p: 3, q: 2 }], y: 1 } });
  assertEquals(a, b);
  assertEquals(a.length, VALUES_HASH_LENGTH);
  assertOk(/^[0-9a-f]+$/.test(a), "a label value: hex only");
  assertOk(a !== await valuesHash({ a: "v", b: { x: [1, { p: 3, q: 2 }], y: 2 } }));
  assertEquals(canonicalValues({ b: 1, a: { d: 1, c: 2 } }), '{"a":{"c":2,"d":1},"b":1}');
});

Deno.test("upgradeInstallArgs() installs from the archive, or from the repository when it is absent, with our labels", () => {
  const common = {
    release: "metrics-server",
    namespace: "kube-system",
    timeoutSeconds: 300,
    chartVersion: "3.13.1",
    valuesHash: "abc",
  };
  assertEquals(upgradeInstallArgs({ ...common, source: { archive: "/charts/metrics-server-3.13.1.tgz" } }), [
    "upgrade",
    "--install",
    "metrics-server",
    "/charts/metrics-server-3.13.1.tgz",
    "--namespace",
    "kube-system",
    "--create-namespace",
    "--wait",
    "--timeout",
    "300s",
    "--history-max",
    "5",
    "--labels",
    "k8zner.io/chart-version=3.13.1,k8zner.io/values-hash=abc",
  ]);
  const repo = upgradeInstallArgs({
    ...common,
    source: { pin: CHARTS.metricsServer },
  });
  assertEquals(repo.slice(3, 8), [
    "metrics-server",
    "--repo",
    "https://kubernetes-sigs.github.io/metrics-server",
    "--version",
    "3.13.1",
  ]);
  assertEquals(rollbackArgs({ release: "cilium", namespace: "kube-system", revision: 2, timeoutSeconds: 60 }), [
    "rollback",
    "cilium",
    "2",
    "--namespace",
    "kube-system",
    "--wait",
    "--timeout",
    "60s",
    "--history-max",
    "5",
  ]);
  assertEquals(uninstallArgs({ release: "cilium", namespace: "kube-system", timeoutSeconds: 60 }).slice(0, 4), [
    "uninstall",
    "cilium",
    "--namespace",
    "kube-system",
  ]);
});

Deno.test("helmErrorSummary() keeps the last lines of stderr and blanks anything token-like", () => {
  const token = "A".repeat(20) + "b7".repeat(22);
  const stderr = [
    "line 1",
    "line 2",
    `Error: Get "https://10.0.0.1:6443/api?token=${token}": dial tcp: i/o timeout`,
    "Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2lnbmF0dXJl",
    `password: hunter2-but-longer`,
    "deployment/hcloud-cloud-controller-manager is not ready: 0/1 replicas",
    "Error: context deadline exceeded",
    "",
  ].join("\n");
  const summary = helmErrorSummary(stderr, 1);
  assertEquals(summary.split("\n").length, 5);
  assertOk(!summary.includes("line 2"), "only the last lines");
  assertOk(!summary.includes(token), "the token is blanked");
  assertOk(!summary.includes("eyJhbGci"), "the JWT is blanked");
  assertOk(!summary.includes("hunter2"), "the password is blanked");
  assertIncludes(summary, "deployment/hcloud-cloud-controller-manager is not ready");
  assertIncludes(summary, "Error: context deadline exceeded");
  assertEquals(helmErrorSummary("", 137), "helm exited with code 137 and printed nothing");
  assertEquals(scrubSecrets(`hex ${"0f".repeat(32)} end`), "hex [redacted] end");
  assertOk(helmErrorSummary("x".repeat(5000), 1).length <= 1000);
});

Deno.test("upgradeInstallArgs() asks for client-side apply only for a release that needs it (Traefik: crds/ we own)", () => {
  const common = {
    release: "traefik",
    namespace: "traefik",
    timeoutSeconds: 600,
    chartVersion: "39.0.9",
    valuesHash: "abc",
    source: { archive: "/charts/traefik-39.0.9.tgz" },
  };
  assertEquals(upgradeInstallArgs({ ...common, clientSideApply: true }).at(-1), "--server-side=false");
  assertEquals(upgradeInstallArgs(common).includes("--server-side=false"), false);
});
