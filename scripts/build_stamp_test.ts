import { assertEquals, assertMatch, assertRejects, fail } from "../tests/assert.ts";
import { BUILD_INFO } from "../src/build_info.ts";
import { BUILD_INFO_URL, renderBuildInfo, renderImportMap, resolveBuildStamp, type RunCommand } from "./build_stamp.ts";

const HEAD = "0123456789abcdef0123456789abcdef01234567";

/** A scripted git: `rev-parse HEAD` answers `head`, `status --porcelain` answers `status`. */
function fakeGit(head: { code: number; stdout: string }, status = { code: 0, stdout: "" }): RunCommand {
  return (cmd, args) => {
    if (cmd !== "git") fail(`unexpected command ${cmd}`);
    if (args[0] === "rev-parse") return Promise.resolve(head);
    if (args[0] === "status") return Promise.resolve(status);
    return fail(`unexpected git ${args.join(" ")}`);
  };
}

const fixedNow = () => new Date("2026-03-04T05:06:07.890Z");

Deno.test("resolveBuildStamp() drops the tag's leading v and stamps the clean commit and the time in UTC", async () => {
  const stamp = await resolveBuildStamp({ version: "v1.4.0", run: fakeGit({ code: 0, stdout: HEAD }), now: fixedNow });
  assertEquals(stamp, { version: "1.4.0", commit: HEAD, date: "2026-03-04T05:06:07Z" });
});

Deno.test("resolveBuildStamp() marks a commit with modified tracked files as dirty", async () => {
  const stamp = await resolveBuildStamp({
    version: "1.4.0-rc.1",
    run: fakeGit({ code: 0, stdout: HEAD }, { code: 0, stdout: " M src/main.ts" }),
    now: fixedNow,
  });
  assertEquals(stamp.commit, `${HEAD}-dirty`);
  assertEquals(stamp.version, "1.4.0-rc.1");
});

Deno.test("resolveBuildStamp() says unknown outside a git checkout and defaults to the source version", async () => {
  const stamp = await resolveBuildStamp({ run: fakeGit({ code: 128, stdout: "" }), now: fixedNow });
  assertEquals(stamp.commit, "unknown");
  assertEquals(stamp.version, BUILD_INFO.version);
});

Deno.test("resolveBuildStamp() uses SOURCE_DATE_EPOCH for reproducible builds", async () => {
  const stamp = await resolveBuildStamp({
    version: "1.0.0",
    sourceDateEpoch: "1700000000",
    run: fakeGit({ code: 0, stdout: HEAD }),
    now: () => fail("the clock must not be read when SOURCE_DATE_EPOCH is set"),
  });
  assertEquals(stamp.date, "2023-11-14T22:13:20Z");
});

Deno.test("resolveBuildStamp() rejects versions that cannot be an image tag, naming the value", async () => {
  for (const version of ["1.2", "1.2.3+build.5", "latest", "1.2.3-"]) {
    await assertRejects(
      () => resolveBuildStamp({ version, run: fakeGit({ code: 0, stdout: HEAD }), now: fixedNow }),
      (err: unknown) => err instanceof RangeError && err.message.includes(`"${version}"`),
    );
  }
});

Deno.test("renderBuildInfo() produces a module with exactly the exports and keys of src/build_info.ts", async () => {
  const source = renderBuildInfo({ version: "2.0.0", commit: HEAD, date: "2026-01-02T03:04:05Z" });
  const url = `data:application/typescript;base64,${btoa(source)}`;
  const stamped = await import(url) as Record<string, unknown>;
  const real = await import("../src/build_info.ts") as Record<string, unknown>;
  assertEquals(Object.keys(stamped).sort(), Object.keys(real).sort());
  assertEquals(Object.keys(stamped.BUILD_INFO as object).sort(), Object.keys(BUILD_INFO).sort());
  assertEquals(stamped.BUILD_INFO, {
    version: "2.0.0",
    commit: HEAD,
    date: "2026-01-02T03:04:05Z",
    operatorImageDigest: "",
  });
});

Deno.test("renderImportMap() keeps every project import and redirects only src/build_info.ts", () => {
  const map = JSON.parse(renderImportMap({ yaml: "npm:yaml@2.9.1" }, "file:///tmp/x/build_info.ts"));
  assertEquals(map, { imports: { yaml: "npm:yaml@2.9.1", [BUILD_INFO_URL]: "file:///tmp/x/build_info.ts" } });
  assertMatch(BUILD_INFO_URL, /^file:\/\/\/.*\/src\/build_info\.ts$/);
});

Deno.test("resolveBuildStamp() stamps a well-formed operator image digest and refuses anything else", async () => {
  const digest = `sha256:${"0f".repeat(32)}`;
  const run = fakeGit({ code: 0, stdout: HEAD });
  const stamp = await resolveBuildStamp({ version: "1.0.0", operatorImageDigest: digest, run, now: fixedNow });
  assertEquals(stamp.operatorImageDigest, digest);
  assertEquals(renderBuildInfo(stamp).includes(`operatorImageDigest: "${digest}",`), true);
  const none = await resolveBuildStamp({ version: "1.0.0", operatorImageDigest: "", run, now: fixedNow });
  assertEquals(none.operatorImageDigest, undefined);
  assertEquals(renderBuildInfo(none).includes(`operatorImageDigest: "",`), true);
  for (const bad of ["sha256:1234", `${"0f".repeat(32)}`, `sha256:${"0F".repeat(32)}`]) {
    await assertRejects(
      () => resolveBuildStamp({ version: "1.0.0", operatorImageDigest: bad, run, now: fixedNow }),
      (err: unknown) => err instanceof RangeError && err.message.includes(`"${bad}"`),
    );
  }
});
