import { assertEquals, assertMatch, assertOk, assertThrows } from "./assert.ts";
import { binary, requires, requiring, sharedFile } from "./requirements.ts";

const fn = () => {};

Deno.test("binary() finds a program on PATH and, with sbin, in K8ZNER_SBIN_DIRS; else names where it looked", async () => {
  const dir = await Deno.makeTempDir({ prefix: "k8zner-req-" });
  try {
    await Deno.mkdir(`${dir}/bin`);
    await Deno.mkdir(`${dir}/sbin`);
    await Deno.writeTextFile(`${dir}/sbin/daemon`, "");
    const env = (sbinDirs: string) => (name: string) =>
      ({ PATH: `${dir}/bin`, K8ZNER_SBIN_DIRS: sbinDirs } as Record<string, string>)[name];
    const found = binary("daemon", { sbin: true, env: env(`${dir}/sbin`) });
    assertEquals([found.missing, found.path], [undefined, `${dir}/sbin/daemon`]);
    const hidden = binary("daemon", { sbin: true, apt: "daemon-server", env: env("") });
    assertEquals(hidden.missing, "daemon is not in PATH (apt-get install daemon-server; .ci/run installs it)");
    assertThrows(() => hidden.path, /daemon is missing/);
    const notOnPath = binary("daemon", { env: env(`${dir}/sbin`), ciInstalls: false });
    assertEquals(notOnPath.missing, "daemon is not in PATH (not installed by .ci/run)");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("requires() ignores a test whose requirement is missing and records the reason for the test task", async () => {
  const skips = await Deno.makeTempFile({ prefix: "k8zner-skips-" });
  try {
    const env = (name: string) => (name === "K8ZNER_TEST_SKIPS" ? skips : undefined);
    const absent = sharedFile("contracts/no-such-file.json");
    assertMatch(absent.missing!, /no-such-file\.json is absent \(\.\.\/shared not mounted\)$/);
    const skipped = requires([absent], { name: "needs a contract", fn }, env);
    assertEquals(skipped.ignore, true);
    const record = JSON.parse(await Deno.readTextFile(skips));
    assertEquals(record, { test: "needs a contract", reasons: [absent.missing] });
    const present = { name: "sh", missing: undefined, ciInstalls: true, path: "/bin/sh" };
    const kept = requires([present], { name: "needs sh", fn }, env);
    assertOk(kept.ignore !== true);
  } finally {
    await Deno.remove(skips);
  }
});

Deno.test("requires() under K8ZNER_REQUIRE_ALL=1 fails a test missing what CI installs, and still skips what it cannot", () => {
  const env = (name: string) => (name === "K8ZNER_REQUIRE_ALL" ? "1" : undefined);
  const missing = (ciInstalls: boolean) => ({ name: "zsh", missing: "zsh is not in PATH", ciInstalls, path: "" });
  const failing = requires([missing(true)], { name: "needs zsh", fn }, env);
  assertOk(failing.ignore !== true);
  assertThrows(() => failing.fn({} as Deno.TestContext), /K8ZNER_REQUIRE_ALL=1 forbids skipping\): zsh is not in PATH/);
  assertEquals(requires([missing(false)], { name: "needs kubectl", fn }, env).ignore, true);
});

Deno.test("requiring() builds the same definition from (name, fn) and from a definition, ignored when a need is missing", () => {
  const fn = () => {};
  const present = { name: "sh", missing: undefined, ciInstalls: false, path: "/bin/sh" };
  const absent = { name: "pwsh", missing: "pwsh is not in PATH", ciInstalls: false, path: "" };
  assertEquals(requiring([present])("a test", fn), { name: "a test", fn });
  assertEquals(requiring([present])({ name: "a test", fn, sanitizeOps: false }), {
    name: "a test",
    fn,
    sanitizeOps: false,
  });
  const skipped = requiring([present, absent], () => undefined)("skipped test", fn);
  assertEquals([skipped.name, skipped.ignore], ["skipped test", true]);
});
