import { assertEquals, assertIncludes } from "../../tests/assert.ts";
import { checkVersionChange, resolveVersions, runsOn } from "./version_rules.ts";
import { expandSpec } from "./expand.ts";
import { parseConfig } from "./parse.ts";
import { formatProblems } from "./problems.ts";
import type { Spec } from "./spec.ts";

const BASE: Spec = { name: "demo", region: "fsn1", mode: "dev", workers: { count: 1, size: "cx23" } };
const FILE = "name: demo\nregion: fsn1\nmode: dev\nworkers:\n  count: 2\n  size: cx33\n";

Deno.test("resolveVersions() keeps pins and gives an unpinned field the newest version that pairs with the other", () => {
  assertEquals(resolveVersions({}), { talos: "v1.13.9", kubernetes: "1.36.3" });
  assertEquals(resolveVersions({ talos_version: "v1.12.6" }), { talos: "v1.12.6", kubernetes: "1.35.2" });
  assertEquals(resolveVersions({ kubernetes_version: "1.35.2" }), { talos: "v1.13.9", kubernetes: "1.35.2" });
  assertEquals(resolveVersions({ talos_version: "v1.13.9", kubernetes_version: "1.35.2" }), {
    talos: "v1.13.9",
    kubernetes: "1.35.2",
  });
});

Deno.test("runsOn() follows the Talos support matrix by minor", () => {
  assertEquals(runsOn("v1.12.6", "1.35.2"), true);
  assertEquals(runsOn("v1.12.0", "1.35.9"), true);
  assertEquals(runsOn("v1.12.6", "1.36.3"), false);
  assertEquals(runsOn("v1.13.9", "1.35.2"), true);
  assertEquals(runsOn("v1.14.0", "1.36.3"), false);
});

Deno.test("expandSpec() builds every node, snapshot and config of a pinned version", () => {
  const state = expandSpec({ ...BASE, talos_version: "v1.12.6" });
  assertEquals(state.versions.talos, "v1.12.6");
  assertEquals(state.versions.kubernetes, "1.35.2");
  assertEquals(state.talos.version, "v1.12.6");
  assertEquals(state.talos.installerImage, "ghcr.io/siderolabs/installer:v1.12.6");
  assertEquals(state.versions.images.talosInstaller, "ghcr.io/siderolabs/installer:v1.12.6");
  assertEquals(state.talos.snapshotLabels["k8zner.io/talos-version"], "v1.12.6");
  assertEquals(state.kubernetes.version, "1.35.2");
});

Deno.test("the file check accepts either spelling of a supported version and normalises it", () => {
  const r = parseConfig(FILE + "talos_version: 1.12.6\nkubernetes_version: v1.35.2\n", "k8zner.yaml");
  assertEquals(r.problems, []);
  assertEquals([r.spec?.talos_version, r.spec?.kubernetes_version], ["v1.12.6", "1.35.2"]);
});

Deno.test("the file check names the field, its line and the supported versions of an unsupported one", () => {
  const talos = parseConfig(FILE + "talos_version: v1.11.3\n", "k8zner.yaml").problems;
  assertEquals(
    formatProblems("k8zner.yaml", talos),
    'k8zner.yaml:7:16: talos_version: "v1.11.3" is not a Talos version this k8zner installs or upgrades to ' +
      "(allowed: v1.12.6, v1.13.9)",
  );
  const kube = parseConfig(FILE + "kubernetes_version: 1.34.0\n", "k8zner.yaml").problems;
  assertEquals(
    formatProblems("k8zner.yaml", kube),
    'k8zner.yaml:7:21: kubernetes_version: "1.34.0" is not a Kubernetes version this k8zner installs or upgrades to ' +
      "(allowed: 1.35.2, 1.36.3)",
  );
});

Deno.test("the file check refuses a Kubernetes version the pinned Talos does not run, on the Kubernetes line", () => {
  const r = parseConfig(FILE + "talos_version: v1.12.6\nkubernetes_version: 1.36.3\n", "k8zner.yaml");
  assertEquals(
    formatProblems("k8zner.yaml", r.problems),
    "k8zner.yaml:8:1: kubernetes_version: Kubernetes 1.36.3 does not run on Talos v1.12.6 (Talos 1.12 runs " +
      "Kubernetes 1.35); talos_version is v1.12.6 on line 7 (allowed: 1.35.2)",
  );
});

const one = (talos: string, kubernetes: string) => ({ talos: [talos], kubernetes: [kubernetes] });

Deno.test("checkVersionChange() allows staying, one minor up, and a patch down", () => {
  assertEquals(checkVersionChange(one("v1.13.9", "1.36.3"), { talos: "v1.13.9", kubernetes: "1.36.3" }), []);
  assertEquals(checkVersionChange(one("v1.12.6", "1.35.2"), { talos: "v1.13.9", kubernetes: "1.36.3" }), []);
  assertEquals(checkVersionChange(one("v1.13.10", "1.36.4"), { talos: "v1.13.9", kubernetes: "1.36.3" }), []);
  assertEquals(checkVersionChange({ talos: [], kubernetes: [] }, { talos: "v1.12.6", kubernetes: "1.35.2" }), []);
});

Deno.test("checkVersionChange() refuses a downgrade across minors, naming the field and what is allowed", () => {
  const problems = checkVersionChange(one("v1.13.9", "1.36.3"), { talos: "v1.12.6", kubernetes: "1.35.2" });
  assertEquals(problems.map((p) => [p.field, p.allowed]), [
    ["talos_version", "v1.13.9"],
    ["kubernetes_version", "1.36.3"],
  ]);
  assertIncludes(problems[0]!.message, "v1.12.6 would downgrade Talos from v1.13.9");
  assertIncludes(problems[1]!.message, "1.35.2 would downgrade Kubernetes from 1.36.3");
});

Deno.test("checkVersionChange() refuses skipping a minor, against the oldest node", () => {
  const skip = checkVersionChange(one("v1.11.5", "1.34.1"), { talos: "v1.13.9", kubernetes: "1.36.3" });
  assertEquals(skip.map((p) => p.field), ["talos_version", "kubernetes_version"]);
  assertIncludes(skip[0]!.message, "would skip Talos 1.12: the cluster runs v1.11.5");
  assertIncludes(skip[0]!.message, "first v1.12.6, then v1.13.9");
  assertEquals(skip[0]!.allowed, "v1.12.6");
  assertEquals(skip[1]!.allowed, "1.35.2");
  // Half the nodes upgraded already: the oldest decides what is a skip, the newest what is a downgrade.
  const mixed = { talos: ["v1.12.6", "v1.13.9"], kubernetes: ["1.35.2", "1.36.3"] };
  assertEquals(checkVersionChange(mixed, { talos: "v1.13.9", kubernetes: "1.36.3" }), []);
  assertEquals(checkVersionChange(mixed, { talos: "v1.12.6", kubernetes: "1.36.3" }).map((p) => p.field), [
    "talos_version",
  ]);
});

Deno.test("checkVersionChange() refuses a Talos upgrade that cannot run the Kubernetes the cluster keeps meanwhile", () => {
  // Talos goes first: 1.13 must run the cluster's Kubernetes 1.34 until the kubelets follow, and it does not.
  const problems = checkVersionChange(one("v1.12.6", "1.34.1"), { talos: "v1.13.9", kubernetes: "1.35.2" });
  assertEquals(problems.map((p) => p.field), ["talos_version"]);
  assertIncludes(problems[0]!.message, "v1.13.9 cannot run the cluster's Kubernetes 1.34.1 during the rollout");
  assertEquals(problems[0]!.allowed, "v1.12.6");
});
