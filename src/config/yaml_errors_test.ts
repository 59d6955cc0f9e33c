import { assertEquals, assertOk } from "../../tests/assert.ts";
import { parseConfig } from "./parse.ts";
import { formatProblems } from "./problems.ts";

const head = "name: demo\nregion: fsn1\nmode: dev\n";

/** What `config validate` would print for `text`. */
function report(text: string): string {
  return formatProblems("k8zner.yaml", parseConfig(text, "k8zner.yaml").problems);
}

const cases: [string, string, string][] = [
  [
    "a key indented one space too far is reported on its own line, not on the line above",
    head + "workers:\n  count: 2\n   size: cx33\n",
    `k8zner.yaml:6:4: invalid YAML: this line is indented more than "count" on line 5, so YAML reads it as part of ` +
    `the value of "count" ("2 size: cx33"); indent it 2 spaces like "count"`,
  ],
  [
    "a key indented one space too little names the indents that would fit",
    head + "workers:\n  count: 2\n size: cx33\n",
    `k8zner.yaml:6:2: invalid YAML: this line is indented 1 space, which lines up with no line above it; ` +
    `indent it 2 spaces (like "count" on line 5) or 0 spaces (like "workers" on line 4)`,
  ],
  [
    "a tab is named as a tab",
    head + "workers:\n  count: 2\n\tsize: cx33\n",
    "k8zner.yaml:6:1: invalid YAML: this line is indented with a tab; YAML allows only spaces for indentation",
  ],
  [
    "nested keys under a field with a value suggest removing the value",
    head + "workers: two\n  count: 2\n",
    `k8zner.yaml:5:3: invalid YAML: this line is indented more than "workers" on line 4, so YAML reads it as part of ` +
    `the value of "workers" ("two count: 2"); indent it 0 spaces like "workers", or remove the value after ` +
    `"workers:" to nest it there`,
  ],
  [
    "a list item under a scalar is reported on the item, with the field's path",
    head + "workers:\n  count: 2\n  size: cx33\napi_allowlist: 203.0.113.0/24\n  - 198.51.100.0/24\n",
    `k8zner.yaml:8:3: api_allowlist: this list item is indented under the value of "api_allowlist", so YAML reads it ` +
    `as more text of that value ("203.0.113.0/24 - 198.51.100.0/24"); a field holds either a value after its colon ` +
    `or a list on the lines below it, not both`,
  ],
  [
    "a list item among fields is explained",
    head + "workers:\n  count: 2\n  - size: cx33\n",
    `k8zner.yaml:6:3: invalid YAML: this list item follows a field (line 5) at the same indentation; a block holds ` +
    `either fields ("name: value") or list items ("- value"), not both`,
  ],
  [
    "a missing colon suggests the fixed line",
    "name: demo\nregion fsn1\nmode: dev\n",
    `k8zner.yaml:2:1: invalid YAML: "region fsn1" has no colon after the field name; write it as "region: fsn1"`,
  ],
  [
    "a missing space after the colon is named",
    "name: demo\nregion:fsn1\nmode: dev\n",
    `k8zner.yaml:2:1: invalid YAML: "region:fsn1" needs a space after the colon ("region: fsn1")`,
  ],
  [
    "an unclosed quote is reported where it opens",
    'name: "demo\nregion: fsn1\nmode: dev\n',
    `k8zner.yaml:1:7: invalid YAML: the " opened here is never closed; add the closing " at the end of the value`,
  ],
  [
    "an unclosed flow list is reported where it opens",
    "api_allowlist: [203.0.113.0/24\nname: demo\n",
    `k8zner.yaml:1:16: invalid YAML: the list opened with "[" here is never closed with "]"`,
  ],
  [
    "a value containing ': ' is told to be quoted",
    "name: a: b\n",
    `k8zner.yaml:1:7: invalid YAML: the value "a: b" contains ": ", which YAML reads as another field; put the value ` +
    `in quotes`,
  ],
  [
    "an indented first field is the one mistake reported, not every field after it",
    " name: demo\nregion: fsn1\nmode: dev\nworkers:\n  count: 2\n",
    "k8zner.yaml:1:2: invalid YAML: the first field is indented 1 space; top-level fields start at the beginning of " +
    "the line",
  ],
  [
    "a field after a list item at the same indentation is explained, once",
    head + "workers:\n  - 203.0.113.0/24\n  count: 4\n  size: cx43\n",
    `k8zner.yaml:6:3: invalid YAML: this field follows a list item (line 5) at the same indentation; a block holds ` +
    `either fields ("name: value") or list items ("- value"), not both`,
  ],
  [
    "text after a closing quote is named",
    'name: "demo"x\n',
    "k8zner.yaml:1:13: invalid YAML: there is more text after the value ends (after its closing quote or bracket); " +
    "quote the whole value",
  ],
];

for (const [name, text, expected] of cases) {
  Deno.test(`parseConfig(): ${name}`, () => {
    const shown = report(text);
    assertEquals(shown, expected);
    for (const jargon of ["compact mapping", "implicit key", "Implicit", "block sequence", "same column"]) {
      assertOk(!shown.includes(jargon), `parser jargon "${jargon}" in: ${shown}`);
    }
  });
}

Deno.test("parseConfig() reports one mistake once even when the parser reports it twice", () => {
  const problems = parseConfig(head + "workers:\n  count: 2\n   size: cx33\n", "k8zner.yaml").problems;
  assertEquals(problems.map((p) => p.line), [6]);
});

Deno.test("every one-line slip in the valid fixtures gets a message in range and in plain words", () => {
  const slips: ((line: string) => string)[] = [
    (l) => " " + l,
    (l) => l.replace(/^ /, ""),
    (l) => "\t" + l,
    (l) => l.replace(":", ""),
    (l) => l.replace(": ", ":"),
    (l) => "- " + l,
    (l) => l.replace(": ", ': "'),
    (l) => l + ": x",
    (l) => "   " + l,
    (l) => l.replace(": ", ": ["),
    (l) => l.replace(/^(\s*)/, "$1$1"),
    (l) => l + "\n  - 192.0.2.0/24",
  ];
  const dir = new URL("../../tests/config/valid/", import.meta.url);
  let checked = 0;
  for (const entry of Deno.readDirSync(dir)) {
    const lines = Deno.readTextFileSync(new URL(entry.name, dir)).split("\n");
    for (let i = 0; i < lines.length; i++) {
      for (const slip of slips) {
        const text = lines.map((l, j) => j === i ? slip(l) : l).join("\n");
        const count = text.split("\n").length;
        for (const p of parseConfig(text, "k8zner.yaml").problems) {
          checked++;
          assertOk(p.line >= 1 && p.line <= count && p.column >= 1, `${JSON.stringify(text)}: ${JSON.stringify(p)}`);
          assertOk(!/compact mapping|[Ii]mplicit (map )?key|block sequence|same column/.test(p.message), p.message);
        }
      }
    }
  }
  assertOk(checked > 500, `only ${checked} problems checked`);
});
