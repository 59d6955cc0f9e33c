/**
 * The project's GitHub owner appears in several files that cannot import each other (a shell
 * script, a Dockerfile, a workflow, the README). The image repository in
 * `src/addons/operator_image.ts` is the reference; the others must agree with it.
 */
import { assertIncludes, assertMatch, assertOk } from "../assert.ts";
import { OPERATOR_IMAGE_REPOSITORY } from "../../src/addons/operator_image.ts";

const repo = new URL("../../", import.meta.url);
const read = (path: string) => Deno.readTextFile(new URL(path, repo));

const owner = OPERATOR_IMAGE_REPOSITORY.match(/^ghcr\.io\/([^/]+)\/k8zner-operator$/)?.[1];

Deno.test("the installer, the image label and the README name the same GitHub project as the operator image", async () => {
  assertOk(owner, `unexpected image repository ${OPERATOR_IMAGE_REPOSITORY}`);
  const releases = `https://github.com/${owner}/k8zner/releases`;
  assertMatch(await read("scripts/install.sh"), new RegExp(`^K8ZNER_RELEASES="${releases}"$`, "m"));
  assertIncludes(
    await read("Dockerfile.operator"),
    `org.opencontainers.image.source="https://github.com/${owner}/k8zner"`,
  );
  const readme = await read("README.md");
  assertIncludes(readme, `curl -fsSL ${releases}/latest/download/install.sh | sh`);
  assertIncludes(readme, `${OPERATOR_IMAGE_REPOSITORY}:<version>`);
});
