/**
 * Installs the kubectl the fake Kubernetes API is checked against (see
 * `tests/kube_fake/kubectl_binary.ts`) into its per-user cache before the tests run, so that the
 * download happens once and a failure shows here, not as a skipped or failed test. `.ci/run` calls
 * it; prints the path and version, or why it could not be had (exit 1).
 *
 * @module
 */
import { findKubectl } from "../tests/kube_fake/kubectl_binary.ts";

const found = await findKubectl();
if (found.path === undefined) {
  console.log(`cannot install kubectl: ${found.reason}`);
  Deno.exit(1);
}
console.log(`kubectl ${found.version} at ${found.path}`);
