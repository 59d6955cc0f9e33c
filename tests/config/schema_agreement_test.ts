/**
 * The JSON Schema and the validator must give the same verdict: run both over the fixture corpus
 * and a set of inline documents. YAML-level mistakes (syntax, duplicate keys) are invisible to a
 * schema, which sees only the parsed data, so those fixtures are left out; environment checks are
 * off here (the schema knows nothing of the environment).
 */
import Ajv2020 from "ajv/dist/2020";
import { parseDocument } from "yaml";
import { CIDR_FORMAT, configJsonSchema, isK8znerCidr, parseConfig } from "../../src/config/mod.ts";
import { assertEquals, assertOk } from "../assert.ts";
import { readFixtures } from "./fixtures.ts";

// deno-lint-ignore no-explicit-any
const Ajv = Ajv2020 as any;
const ajv = new Ajv({ allErrors: true, strict: true });
ajv.addFormat(CIDR_FORMAT, isK8znerCidr);
const validateSchema = ajv.compile(configJsonSchema());

function verdicts(text: string) {
  const validator = parseConfig(text, "k8zner.yaml").problems.length === 0;
  const schema = validateSchema(parseDocument(text).toJS()) as boolean;
  return { validator, schema, errors: JSON.stringify(validateSchema.errors) };
}

const base = "name: demo\nregion: fsn1\nmode: dev\nworkers:\n  count: 2\n  size: cx33\n";
const inline: Array<[string, string]> = [
  ["minimal", base],
  ["ha with every option", base.replace("dev", "ha") + "domain: example.com\nmonitoring: true\nbackup: true\n"],
  ["name of exactly 58 characters", base.replace("demo", "a" + "b".repeat(57))],
  ["name of 59 characters", base.replace("demo", "a" + "b".repeat(58))],
  ["name of 50 characters with backup", base.replace("demo", "a".repeat(50)) + "backup: yes\n"],
  ["name of 51 characters with backup", base.replace("demo", "a".repeat(51)) + "backup: yes\n"],
  ["name of 51 characters with backup off", base.replace("demo", "a".repeat(51)) + "backup: false\n"],
  ["name with --", base.replace("demo", "de--mo")],
  ["legacy size", base.replace("cx33", "cx52")],
  ["yaml 1.1 boolean", base + "monitoring: On\n"],
  ["not a yaml 1.1 boolean", base + "monitoring: TRUE_ish\n"],
  ["null optional fields", base + "domain:\ncontrol_plane:\napi_allowlist:\n"],
  ["empty domain", base + 'domain: ""\n'],
  ["required field null", base.replace("mode: dev", "mode:")],
  ["count as float 2.0", base.replace("count: 2", "count: 2.0")],
  ["count 2.5", base.replace("count: 2", "count: 2.5")],
  ["unknown nested field", base + "control_plane:\n  count: 3\n"],
  ["cidr with host bits", base + "api_allowlist: [10.1.2.3/16]\n"],
  ["bare ipv6 host", base + 'api_allowlist: ["2001:db8::7"]\n'],
  ["ipv6 prefix 129", base + 'api_allowlist: ["2001:db8::/129"]\n'],
  ["duplicate cidr", base + "api_allowlist: [192.0.2.0/24, 192.0.2.0/24]\n"],
  ["empty allowlist", base + "api_allowlist: []\n"],
  ["domain with trailing dot", base + "domain: example.com.\n"],
  ["email with two @", base + "cert_email: a@b@example.com\n"],
  ["dotted subdomain", base + "argo_subdomain: argo.apps\n"],
  ["pinned versions", base + "talos_version: v1.12.6\nkubernetes_version: 1.35.2\n"],
  ["pinned versions in the other spelling", base + "talos_version: 1.13.9\nkubernetes_version: v1.35.2\n"],
  ["talos pinned alone", base + "talos_version: v1.12.6\n"],
  ["kubernetes pinned alone", base + "kubernetes_version: 1.35.2\n"],
  ["talos 1.12 with kubernetes 1.36", base + "talos_version: v1.12.6\nkubernetes_version: 1.36.3\n"],
  ["talos 1.12 spelled without v with kubernetes 1.36", base + "talos_version: 1.12.6\nkubernetes_version: v1.36.3\n"],
  ["unsupported talos", base + "talos_version: v1.14.0\n"],
  ["talos as a number", base + "talos_version: 1.13\n"],
  ["list as document", "- a\n- b\n"],
  ["empty document", ""],
];

Deno.test("schema and validator agree on every fixture of the corpus", () => {
  const fixtures = [...readFixtures("valid"), ...readFixtures("invalid")].filter((f) => !f.yamlLevel);
  assertOk(fixtures.length >= 50, `only ${fixtures.length} fixtures`);
  for (const f of fixtures) {
    const v = verdicts(f.text);
    const expected = f.expectLine === undefined || f.requireEnv;
    assertEquals(v.validator, expected, `validator on ${f.name}`);
    assertEquals(v.schema, v.validator, `schema disagrees with validator on ${f.name}: ${v.errors}`);
  }
});

for (const [name, text] of inline) {
  Deno.test(`schema and validator agree on an inline document: ${name}`, () => {
    const v = verdicts(text);
    assertEquals(v.schema, v.validator, `schema=${v.schema} validator=${v.validator} ${v.errors}`);
  });
}

Deno.test("the schema is draft 2020-12, closed to unknown fields, and lists the required fields", () => {
  const schema = configJsonSchema() as Record<string, unknown>;
  assertEquals(schema.$schema, "https://json-schema.org/draft/2020-12/schema");
  assertEquals(schema.additionalProperties, false);
  assertEquals(schema.required, ["name", "region", "mode", "workers"]);
});
