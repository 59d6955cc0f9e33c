import { assertEquals, assertIncludes, assertOk, assertThrows } from "../../tests/assert.ts";
import { checkFieldValue, parseConfig } from "./parse.ts";
import { ConfigError, formatProblems } from "./problems.ts";
import { renderSpecYaml } from "./render.ts";
import type { Spec } from "./spec.ts";

const base = "name: demo\nregion: fsn1\nmode: dev\nworkers:\n  count: 2\n  size: cx33\n";

Deno.test("parseConfig() returns the spec and no problems for a valid file", () => {
  const r = parseConfig(base, "k8zner.yaml");
  assertEquals(r.problems, []);
  assertEquals(r.spec, { name: "demo", region: "fsn1", mode: "dev", workers: { count: 2, size: "cx33" } });
});

Deno.test("parseConfig() reports all problems of a file at once, in file order", () => {
  const text = "name: Demo\nregion: ash\nmode: prod\nworkers:\n  count: 0\n  size: cax11\nbackpu: true\n";
  const r = parseConfig(text, "k8zner.yaml");
  assertEquals(r.spec, undefined);
  assertEquals(r.problems.map((p) => `${p.line}:${p.column} ${p.path}`), [
    "1:7 name",
    "2:9 region",
    "3:7 mode",
    "5:10 workers.count",
    "6:9 workers.size",
    "7:1 backpu",
  ]);
  assertIncludes(formatProblems("k8zner.yaml", r.problems), `unknown field "backpu"; did you mean "backup"?`);
});

Deno.test("parseConfig() normalises legacy sizes, YAML 1.1 booleans and bare allowlist addresses", () => {
  const text = base.replace("cx33", "cx32") +
    "monitoring: yes\nbackup: off\napi_allowlist: [198.51.100.7, 198.51.100.7/32]\n";
  const r = parseConfig(text, "k8zner.yaml");
  assertEquals(r.problems, []);
  assertEquals(r.spec?.workers.size, "cx33");
  assertEquals(r.spec?.monitoring, true);
  assertEquals(r.spec?.backup, false);
  assertEquals(r.spec?.api_allowlist, ["198.51.100.7/32"]);
});

Deno.test("parseConfig() checks the environment only with requireEnv", () => {
  const text = base + "domain: example.com\nbackup: true\n";
  assertEquals(parseConfig(text, "f").problems, []);
  const r = parseConfig(text, "f", { requireEnv: true, env: (n) => (n === "HETZNER_S3_ACCESS_KEY" ? "a" : undefined) });
  assertEquals(r.problems.map((p) => [p.path, p.line]), [["domain", 7], ["backup", 8]]);
  assertIncludes(r.problems[1]!.message, "HETZNER_S3_SECRET_KEY");
  assertOk(!r.problems[1]!.message.includes("HETZNER_S3_ACCESS_KEY"));
});

Deno.test("ConfigError formats file:line:column: path: message (allowed: …) and exits 2", () => {
  const r = parseConfig(base.replace("count: 2", "count: 51"), "k8zner.yaml");
  const err = new ConfigError("k8zner.yaml", r.problems);
  assertEquals(err.exitCode, 2);
  assertEquals(
    err.message,
    "k8zner.yaml has 1 problem:\nk8zner.yaml:5:10: workers.count: is 51; must be from 1 to 50 (allowed: a whole number from 1 to 50)",
  );
});

Deno.test("checkFieldValue() answers for one value as the file check would", () => {
  assertEquals(checkFieldValue("name", "good-name"), undefined);
  assertIncludes(checkFieldValue("name", "Bad")!, "lowercase");
  assertIncludes(checkFieldValue("workers.count", 51)!, "from 1 to 50");
  assertEquals(checkFieldValue("api_allowlist", ["203.0.113.0/24"]), undefined);
  assertIncludes(checkFieldValue("api_allowlist", ["10.0.0.1/8"])!, "host bits");
  assertThrows(() => checkFieldValue("nope", 1), RangeError);
});

Deno.test("renderSpecYaml() writes fields in table order with comments, and the result parses back to the spec", () => {
  const spec: Spec = {
    api_allowlist: ["203.0.113.0/24"],
    backup: true,
    workers: { size: "cx43", count: 3 },
    mode: "ha",
    region: "hel1",
    name: "round-trip",
    control_plane: { size: "cx33" },
    domain: "example.com",
  };
  const text = renderSpecYaml(spec);
  const keys = [...text.matchAll(/^(\w+):/gm)].map((m) => m[1]);
  assertEquals(keys, ["name", "region", "mode", "workers", "control_plane", "domain", "backup", "api_allowlist"]);
  assertIncludes(text, "# Cluster name.");
  const back = parseConfig(text, "k8zner.yaml");
  assertEquals(back.problems, []);
  assertEquals(back.spec, spec);
  assertEquals(renderSpecYaml(spec), text);
});
