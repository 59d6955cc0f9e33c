/**
 * The GitHub workflows cannot run here, so these checks keep them honest statically: they parse,
 * every task, script and file they name exists, the release ships every compiled platform plus
 * completions and checksums, pushes the image the CLI pins, and every `run:` block is clean under
 * shellcheck.
 */
import { parse } from "yaml";
import { assertEquals, assertIncludes, assertMatch, assertOk } from "../assert.ts";
import { assetName, TARGETS } from "../../scripts/compile.ts";
import { OPERATOR_IMAGE_REPOSITORY } from "../../src/addons/operator_image.ts";
import { binary, requires } from "../requirements.ts";

const repo = new URL("../../", import.meta.url);
const SHELLCHECK = binary("shellcheck");

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, string | boolean | number>;
  env?: Record<string, string>;
  "working-directory"?: string;
}
interface Job {
  needs?: string | string[];
  permissions?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

async function loadWorkflow(name: string): Promise<Workflow> {
  const text = await Deno.readTextFile(new URL(`.github/workflows/${name}`, repo));
  return parse(text, { uniqueKeys: true, strict: true }) as Workflow;
}

const ci = await loadWorkflow("ci.yml");
const release = await loadWorkflow("release.yml");
const denoJson = JSON.parse(await Deno.readTextFile(new URL("deno.json", repo))) as { tasks: Record<string, string> };

const steps = (wf: Workflow) => Object.values(wf.jobs).flatMap((j) => j.steps);
const runText = (wf: Workflow) => steps(wf).map((s) => s.run ?? "").join("\n");

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(new URL(path, repo)).then(() => true, () => false);
}

Deno.test("ci.yml runs .ci/run on branch pushes and pull requests", async () => {
  assertOk("push" in ci.on && "pull_request" in ci.on, `triggers: ${Object.keys(ci.on)}`);
  assertOk(steps(ci).some((s) => s.run?.trim().split("\n").includes("bash .ci/run")), "no step runs bash .ci/run");
  assertOk(await exists(".ci/run"));
});

Deno.test("release.yml runs on version tags and publishes only after the tests pass", () => {
  assertEquals((release.on.push as { tags: string[] }).tags, ["v*"]);
  const publish = release.jobs.publish!;
  assertEquals([publish.needs].flat(), ["test"]);
  assertEquals(publish.permissions, {
    contents: "write",
    packages: "write",
    "id-token": "write",
    attestations: "write",
  });
  assertIncludes(runText({ ...release, jobs: { test: release.jobs.test! } }), "npx --yes deno@2.9.6 task test");
});

Deno.test("the workflows name only tasks, scripts and files that exist, with the Deno version of .ci/run", async () => {
  const ciRun = await Deno.readTextFile(new URL(".ci/run", repo));
  const pinned = ciRun.match(/deno@(\d+\.\d+\.\d+)/)?.[1];
  assertOk(pinned, ".ci/run pins no Deno version");
  for (const wf of [ci, release]) {
    const text = runText(wf);
    for (const m of text.matchAll(/deno@(\S+)/g)) assertEquals(m[1], pinned);
    for (const m of text.matchAll(/deno@\S+ task (\S+)/g)) {
      assertOk(m[1]! in denoJson.tasks, `deno.json has no task "${m[1]}"`);
    }
    const files = [
      ...text.matchAll(/(?:^|\s)((?:scripts|\.ci)\/[\w./-]+)/g),
    ].map((m) => m[1]!);
    for (const step of steps(wf)) if (typeof step.with?.file === "string") files.push(step.with.file);
    for (const file of files) assertOk(await exists(file), `${file} does not exist`);
  }
});

Deno.test("release.yml ships every compiled platform, the installer, completions and checksums", () => {
  const text = runText(release);
  for (const target of TARGETS) assertIncludes(text, `dist/${assetName(target)}`);
  assertIncludes(text, "cp scripts/install.sh dist/release/install.sh");
  for (const shell of ["bash", "zsh", "fish", "powershell"]) {
    assertMatch(text, new RegExp(`k8zner-linux-x86_64 completion ${shell} >`));
  }
  const checksums = steps(release).find((s) => s.run?.includes("checksums.txt"));
  assertOk(checksums, "no step writes checksums.txt");
  assertEquals(checksums["working-directory"], "dist/release");
  assertMatch(checksums.run!, /sha256sum -- \* > checksums\.txt/);
  assertMatch(text, /gh release create "\$GITHUB_REF_NAME" dist\/release\/\*/);
});

Deno.test("release.yml pushes the linux/amd64 operator image the CLI of the same version installs", () => {
  assertEquals(release.env?.IMAGE, OPERATOR_IMAGE_REPOSITORY);
  const build = steps(release).find((s) => s.uses?.startsWith("docker/build-push-action@"));
  assertOk(build?.with, "no docker/build-push-action step");
  assertEquals(build.with.file, "Dockerfile.operator");
  // Control planes are always amd64 (Talos arch amd64, Hetzner cx types); Helm is pinned for amd64.
  assertEquals(String(build.with.platforms).split(","), ["linux/amd64"]);
  assertEquals(build.with.tags, "${{ env.IMAGE }}:${{ env.VERSION }}");
  assertEquals(build.with["build-args"], "VERSION=${{ env.VERSION }}");
  assertEquals(build.with.push, true);
  const compiles = steps(release).filter((s) => s.run?.includes("task compile"));
  assertEquals(compiles.length, 2, "one compile for the image, one for the release assets");
  for (const compile of compiles) assertIncludes(compile.run!, `--version "$VERSION"`);
  assertMatch(
    compiles[0]!.run!,
    /task compile --version "\$VERSION" --target linux-x86_64$/m,
    "the image needs one binary",
  );
  assertIncludes(runText(release), `echo "VERSION=\${GITHUB_REF_NAME#v}" >> "$GITHUB_ENV"`);
});

Deno.test("release.yml fetches and checks Helm and the charts from upstream before it builds the image", () => {
  const publish = release.jobs.publish!.steps;
  const fetches = publish.filter((s) => s.run?.includes("task fetch-release-assets"));
  assertEquals(fetches.length, 1, "one fetch step in the publish job");
  // From upstream: --from would take files from the runner, which has no ../shared.
  assertEquals(fetches[0]!.run!.trim(), "npx --yes deno@2.9.6 task fetch-release-assets");
  const build = publish.findIndex((s) => s.uses?.startsWith("docker/build-push-action@"));
  assertOk(publish.indexOf(fetches[0]!) < build, "the image is built before its charts are fetched");
  assertOk(publish.findIndex((s) => s.uses?.startsWith("actions/checkout@")) < publish.indexOf(fetches[0]!));
});

/** Every `uses:` line of a workflow file, as written (comments kept). */
async function usesLines(name: string): Promise<string[]> {
  const text = await Deno.readTextFile(new URL(`.github/workflows/${name}`, repo));
  return [...text.matchAll(/^\s*(?:-\s+)?uses:\s*(.+)$/gm)].map((m) => m[1]!.trim());
}

/** A `uses:` value pinned to a full commit SHA with the tag it came from in a comment. */
const PINNED_USES = /^[\w-]+\/[\w-]+@[0-9a-f]{40} # v\d+(\.\d+){0,2}$/;

Deno.test("every action is pinned to a full commit SHA, its tag named in a comment", async () => {
  for (const name of ["ci.yml", "release.yml"]) {
    const lines = await usesLines(name);
    assertOk(lines.length > 0, `${name} has no uses: lines`);
    for (const line of lines) assertMatch(line, PINNED_USES, `${name}: "${line}" is not pinned to a commit`);
  }
  for (const unpinned of ["actions/checkout@v4", "actions/checkout@main", "actions/checkout@v4.2.2"]) {
    assertEquals(PINNED_USES.test(unpinned), false, `the pin rule lets "${unpinned}" through`);
  }
});

Deno.test("release.yml signs the image by digest and the binaries and checksums it publishes", () => {
  const all = steps(release);
  const attests = all.filter((s) => s.uses?.startsWith("actions/attest-build-provenance@"));
  const image = all.find((s) => s.id === "image");
  assertOk(image?.uses?.startsWith("docker/build-push-action@"), "the image build has no id: image");
  const imageAttest = attests.find((s) => s.with?.["subject-digest"] !== undefined);
  assertOk(imageAttest?.with, "no attestation of the image");
  assertEquals(imageAttest.with["subject-name"], "${{ env.IMAGE }}");
  assertEquals(imageAttest.with["subject-digest"], "${{ steps.image.outputs.digest }}");
  assertEquals(imageAttest.with["push-to-registry"], true);
  const fileAttest = attests.find((s) => s.with?.["subject-path"] !== undefined);
  assertEquals(fileAttest?.with?.["subject-path"], "dist/release/*");
  const order = (pred: (s: Step) => boolean) => all.findIndex(pred);
  const checksums = order((s) => s.run?.includes("> checksums.txt") === true);
  assertOk(checksums >= 0 && checksums < all.indexOf(fileAttest!), "checksums.txt is written after the attestation");
  assertOk(all.indexOf(fileAttest!) < order((s) => s.run?.includes("gh release create") === true));
  const check = all.find((s) => s.run?.includes('version | grep -F "$IMAGE:$VERSION@$IMAGE_DIGEST"'));
  assertEquals(
    check?.env?.IMAGE_DIGEST,
    "${{ steps.image.outputs.digest }}",
    "no check that the binary pins the image",
  );
  const stamped = all.find((s) => s.run?.includes("--image-digest"));
  assertEquals(stamped?.env?.IMAGE_DIGEST, "${{ steps.image.outputs.digest }}");
  assertIncludes(stamped!.run!, `--image-digest "$IMAGE_DIGEST"`);
  assertOk(all.indexOf(image!) < all.indexOf(stamped!), "binaries are compiled before the image digest exists");
});

Deno.test(requires([SHELLCHECK], {
  name: "every run block of the workflows is clean under shellcheck",
  fn: async () => {
    for (const [name, wf] of [["ci.yml", ci], ["release.yml", release]] as const) {
      for (const step of steps(wf)) {
        if (step.run === undefined) continue;
        // GitHub substitutes ${{ … }} before the shell sees the script.
        const script = `#!/bin/bash\nset -e\n${step.run.replace(/\$\{\{[^}]*\}\}/g, "1.2.3")}`;
        const child = new Deno.Command(SHELLCHECK.path, {
          args: ["--shell=bash", "-"],
          stdin: "piped",
          stdout: "piped",
        }).spawn();
        const writer = child.stdin.getWriter();
        await writer.write(new TextEncoder().encode(script));
        await writer.close();
        const out = await child.output();
        assertEquals(out.code, 0, `${name} step "${step.name ?? step.run}":\n${new TextDecoder().decode(out.stdout)}`);
      }
    }
  },
}));
