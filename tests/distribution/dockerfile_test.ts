/**
 * Static checks of `Dockerfile.operator`. No Docker engine runs on our build machines, so the
 * image is not built here (the release workflow builds it); these checks hold the properties the
 * cluster relies on: glibc distroless base, numeric non-root user, no shell steps in the final
 * stage, the right binary per architecture, and the `k8zner operator` entrypoint.
 */
import { assertEquals, assertIncludes, assertMatch, assertOk } from "../assert.ts";
import { assetName, TARGETS } from "../../scripts/compile.ts";

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

Deno.test("the operator image runs on distroless cc (glibc) as numeric non-root uid 65532", () => {
  assertMatch(final[0]!.args, /^gcr\.io\/distroless\/cc-debian12:nonroot@sha256:[0-9a-f]{64}$/);
  const users = final.filter((i) => i.keyword === "USER").map((i) => i.args);
  assertEquals(users, ["65532:65532"], "kubelet can verify runAsNonRoot only for a numeric user");
});

Deno.test("every FROM names scratch, an earlier stage, or an image pinned by sha256 digest", () => {
  const stageNames = new Set<string>();
  for (const stage of all) {
    const [image, as, name] = stage[0]!.args.split(/\s+/);
    const local = image === "scratch" || stageNames.has(image!) || /^binary-\$\{TARGETARCH\}$/.test(image!);
    assertOk(local || /@sha256:[0-9a-f]{64}$/.test(image!), `FROM ${image} is not pinned by digest`);
    if (as?.toUpperCase() === "AS" && name) stageNames.add(name);
  }
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
  const copies = final.filter((i) => i.keyword === "COPY").map((i) => i.args);
  assertEquals(copies, ["--from=binary --chmod=0555 /k8zner /k8zner"]);
});

Deno.test("each TARGETARCH gets the compiled Linux binary of its architecture", () => {
  const expected: Record<string, string> = { amd64: "linux-x86_64", arm64: "linux-aarch64" };
  for (const [arch, target] of Object.entries(expected)) {
    const stage = all.find((s) => s[0]!.args === `scratch AS binary-${arch}`);
    assertOk(stage, `no stage binary-${arch}`);
    const asset = assetName(TARGETS.find((t) => t.name === target)!);
    assertEquals(stage.filter((i) => i.keyword === "COPY").map((i) => i.args), [`dist/${asset} /k8zner`]);
  }
  assertOk(
    all.some((s) => s[0]!.args === "binary-${TARGETARCH} AS binary"),
    "binary stage is not chosen by TARGETARCH",
  );
});

Deno.test("the operator image's build context admits only the two Linux binaries", async () => {
  const ignore = (await Deno.readTextFile(new URL("Dockerfile.operator.dockerignore", repo)))
    .split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"));
  assertEquals(ignore, ["*", "!dist/k8zner-linux-x86_64", "!dist/k8zner-linux-aarch64"]);
});
