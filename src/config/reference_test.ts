import { assertEquals, assertIncludes, assertThrows } from "../../tests/assert.ts";
import { fieldPaths } from "./fields.ts";
import {
  readmeReferenceIsCurrent,
  REFERENCE_END,
  REFERENCE_START,
  renderConfigReference,
  updateReadme,
} from "./reference.ts";

Deno.test("README.md's configuration reference is what scripts/gen_config_reference.ts generates", async () => {
  const readme = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
  assertEquals(
    readmeReferenceIsCurrent(readme),
    true,
    "README.md is out of date: run `npx --yes deno@2.9.6 run -A scripts/gen_config_reference.ts`",
  );
});

Deno.test("the reference has a row for every field of the table", () => {
  const text = renderConfigReference();
  for (const path of fieldPaths()) assertIncludes(text, `- \`${path}\` (`);
});

Deno.test("updateReadme() replaces only the text between the markers and refuses a README without them", () => {
  const readme = `# x\n\n${REFERENCE_START}\nold\n${REFERENCE_END}\n\nafter\n`;
  const next = updateReadme(readme);
  assertIncludes(next, "- `workers.count` (required)");
  assertEquals(next.endsWith(`${REFERENCE_END}\n\nafter\n`), true);
  assertThrows(() => updateReadme("# no markers"), RangeError);
});

Deno.test("readmeReferenceIsCurrent() ignores re-wrapping but notices a changed word", () => {
  const readme = updateReadme(`${REFERENCE_START}\n${REFERENCE_END}\n`);
  assertEquals(readmeReferenceIsCurrent(readme.replaceAll(". ", ".\n  ")), true);
  assertEquals(readmeReferenceIsCurrent(readme.replace("required", "needed")), false);
});
