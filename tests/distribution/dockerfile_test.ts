/**
 * Static checks of `Dockerfile.operator`. No Docker engine runs on our build machines, so the
 * image is not built here (the release workflow builds it); these checks hold the properties the
 * cluster relies on: glibc distroless base for linux/amd64 only, numeric non-root user, no shell
 * steps, the amd64 binary, Helm and the charts at the paths the operator's flags default to, and
 * the `k8zner operator` entrypoint.
 */
import { assertEquals, assertIncludes, assertMatch, assertOk } from "../assert.ts";
import { assetName, TARGETS } from "../../scripts/compile.ts";
import { checkFieldValue } from "../../src/config/parse.ts";
import { IMAGE_CHARTS_DIR, IMAGE_HELM_PATH, OPERATOR_IMAGE_DIR } from "../../scripts/release_assets.ts";

const repo = new URL("../../", import.meta.url);

interface Instruction {
  keyword: string;
  args: string;
}

/** Splits a Dockerfile into instructions: comments dropped, `\` continuations joined. */
function parseDockerfile(text: string): Instruction[] {
  const logical: string[] = [];
  let current = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (current === "" && (line === "" || line.startsWith("#"))) continue;
    if (line.endsWith("\\")) {
      current += line.slice(0, -1) + " ";
      continue;
    }
    logical.push(current + line);
    current = "";
  }
  return logical.map((l) => {
    const [keyword, ...rest] = l.split(/\s+/);
    return { keyword: keyword!.toUpperCase(), args: rest.join(" ") };
  });
}

/** Groups instructions by stage (each FROM starts one). */
function stages(instructions: Instruction[]): Instruction[][] {
  const out: Instruction[][] = [];
  for (const i of instructions) {
    if (i.keyword === "FROM") out.push([i]);
    else if (out.length > 0) out.at(-1)!.push(i);
  }
  return out;
}

const dockerfile = await Deno.readTextFile(new URL("Dockerfile.operator", repo));
const instructions = parseDockerfile(dockerfile);
const all = stages(instructions);
const final = all.at(-1)!;

/** `FROM [--platform=P] image [AS name]` split into its parts. */
function fromParts(args: string): { platform: string | undefined; image: string; name: string | undefined } {
  const words = args.split(/\s+/);
  const platform = words[0]!.startsWith("--platform=") ? words.shift()!.slice("--platform=".length) : undefined;
  const [image, as, name] = words;
  return { platform, image: image!, name: as?.toUpperCase() === "AS" ? name : undefined };
}

Deno.test("the operator image runs on distroless cc (glibc) as numeric non-root uid 65532", () => {
  assertMatch(fromParts(final[0]!.args).image, /^gcr\.io\/distroless\/cc-debian12:nonroot@sha256:[0-9a-f]{64}$/);
  const users = final.filter((i) => i.keyword === "USER").map((i) => i.args);
  assertEquals(users, ["65532:65532"], "kubelet can verify runAsNonRoot only for a numeric user");
});

Deno.test("every FROM names scratch, an earlier stage, or an image pinned by sha256 digest", () => {
  const stageNames = new Set<string>();
  for (const stage of all) {
    const { image, name } = fromParts(stage[0]!.args);
    const local = image === "scratch" || stageNames.has(image);
    assertOk(local || /@sha256:[0-9a-f]{64}$/.test(image), `FROM ${image} is not pinned by digest`);
    if (name) stageNames.add(name);
  }
});

Deno.test("the operator image is linux/amd64 only: one stage, its base fixed to that platform", () => {
  assertEquals(all.length, 1, "no per-architecture stages are left");
  const { platform, name } = fromParts(final[0]!.args);
  assertEquals(platform, "linux/amd64");
  assertMatch(name ?? "", /amd64/, "Docker's FromPlatformFlagConstDisallowed check wants the arch in the stage name");
  assertEquals(dockerfile.includes("TARGETARCH"), false);
});

Deno.test("amd64 is enough: k8zner.yaml refuses ARM (cax) servers for the control planes the operator runs on", () => {
  assertIncludes(checkFieldValue("control_plane.size", "cax21") ?? "", "k8zner builds amd64 nodes only");
  assertEquals(checkFieldValue("control_plane.size", "cx33"), undefined);
});

Deno.test("the operator image's entrypoint is `/k8zner operator` in exec form", () => {
  const entrypoints = final.filter((i) => i.keyword === "ENTRYPOINT");
  assertEquals(entrypoints.length, 1);
  assertEquals(JSON.parse(entrypoints[0]!.args), ["/k8zner", "operator"]);
  assertEquals(final.filter((i) => i.keyword === "CMD"), []);
});

Deno.test("the final stage has no RUN step (distroless has no shell) and writes only under /tmp", () => {
  assertEquals(final.filter((i) => i.keyword === "RUN"), []);
  const env = final.filter((i) => i.keyword === "ENV").map((i) => i.args).join(" ");
  assertIncludes(env, "TMPDIR=/tmp");
  assertMatch(env, /DENO_DIR=\/tmp\//);
  const workdir = final.filter((i) => i.keyword === "WORKDIR").map((i) => i.args);
  assertEquals(workdir, ["/tmp"]);
});

const amd64Binary = `dist/${assetName(TARGETS.find((t) => t.name === "linux-x86_64")!)}`;

Deno.test("the image copies the amd64 binary, Helm to --helm-binary's default and the charts to --charts-dir's", () => {
  const copies = final.filter((i) => i.keyword === "COPY").map((i) => i.args);
  assertEquals(copies, [
    `--chmod=0555 ${amd64Binary} /k8zner`,
    `--chmod=0555 ${OPERATOR_IMAGE_DIR}/helm ${IMAGE_HELM_PATH}`,
    // No --chmod: the fetch task writes the files 0444 (tested there); COPY makes them root's.
    `${OPERATOR_IMAGE_DIR}/charts ${IMAGE_CHARTS_DIR}`,
  ]);
  assertEquals([IMAGE_HELM_PATH, IMAGE_CHARTS_DIR], ["/usr/local/bin/helm", "/charts"]);
});

Deno.test("the operator image's build context admits only the amd64 binary, Helm and the charts", async () => {
  const ignore = (await Deno.readTextFile(new URL("Dockerfile.operator.dockerignore", repo)))
    .split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"));
  assertEquals(ignore, [
    "*",
    `!${amd64Binary}`,
    `!${OPERATOR_IMAGE_DIR}/helm`,
    `!${OPERATOR_IMAGE_DIR}/charts`,
  ]);
});
