import { assertEquals, assertOk } from "../../tests/assert.ts";
import { COMMENT_WIDTH, renderSpecYaml, wrapYamlComments } from "./render.ts";

Deno.test("wrapYamlComments() wraps long comments at spaces, each continuation a comment at the same indent", () => {
  const text = "  # one two three four five six\n  key: a value that is far too long to fit but is not a comment\n# x";
  assertEquals(
    wrapYamlComments(text, 20),
    "  # one two three\n  # four five six\n  key: a value that is far too long to fit but is not a comment\n# x",
  );
});

Deno.test("renderSpecYaml() keeps every comment line within COMMENT_WIDTH and says what the chosen mode means", () => {
  const text = renderSpecYaml({
    name: "demo",
    region: "fsn1",
    mode: "dev",
    workers: { count: 2, size: "cx33" },
    domain: "example.com",
  });
  for (const line of text.split("\n")) assertOk(line.length <= COMMENT_WIDTH, line);
  assertOk(
    text.includes(
      "# dev: one control plane that also runs workloads (ha: three control planes spread over hosts).\nmode: dev\n",
    ),
    text,
  );
  assertOk(text.includes("# Domain for ingress hosts"), text);
});
