/**
 * Reads the JUnit report of `deno test --junit-path` (Deno 2.9.6). Deno writes every test step as a
 * `<testcase>` of its own, a sibling of its test, named `<test> > <step>` (nested steps add more
 * ` > ` parts); a failed step also fails its test. Counting every `<testcase>` would count steps
 * as tests, so {@link countJunit} counts a case only when no other case of the same file is a
 * prefix of its name followed by ` > `.
 *
 * @module
 */

/** One top-level test and how it ended. */
export interface JunitTest {
  /** The test file as Deno prints it, e.g. `./src/lib/ssh_test.ts`. */
  file: string;
  name: string;
  outcome: "passed" | "failed" | "skipped";
  /** Seconds, from the `time` attribute. */
  seconds: number;
}

/** The top-level tests of a report, steps left out. */
export interface JunitCounts {
  passed: number;
  failed: number;
  skipped: number;
  tests: JunitTest[];
}

function unescapeXml(text: string): string {
  return text.replace(
    /&(lt|gt|quot|apos|amp|#(\d+)|#x([0-9a-fA-F]+));/g,
    (_, name: string, dec?: string, hex?: string) => {
      if (dec !== undefined) return String.fromCodePoint(Number(dec));
      if (hex !== undefined) return String.fromCodePoint(parseInt(hex, 16));
      return { lt: "<", gt: ">", quot: '"', apos: "'", amp: "&" }[name]!;
    },
  );
}

function attribute(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return m ? unescapeXml(m[1]!) : undefined;
}

/** Counts the top-level tests in the JUnit XML that `deno test` wrote. */
export function countJunit(xml: string): JunitCounts {
  const cases: JunitTest[] = [];
  for (const match of xml.matchAll(/<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const tag = match[1]!;
    const body = match[3] ?? "";
    cases.push({
      file: attribute(tag, "classname") ?? "",
      name: attribute(tag, "name") ?? "",
      outcome: /<failure\b|<error\b/.test(body) ? "failed" : /<skipped\b/.test(body) ? "skipped" : "passed",
      seconds: Number(attribute(tag, "time") ?? 0),
    });
  }
  const namesByFile = new Map<string, Set<string>>();
  for (const c of cases) {
    const names = namesByFile.get(c.file) ?? new Set<string>();
    names.add(c.name);
    namesByFile.set(c.file, names);
  }
  const isStep = (c: JunitTest) => {
    const names = namesByFile.get(c.file)!;
    const parts = c.name.split(" > ");
    for (let i = 1; i < parts.length; i++) {
      if (names.has(parts.slice(0, i).join(" > "))) return true;
    }
    return false;
  };
  const tests = cases.filter((c) => !isStep(c));
  const count = (outcome: JunitTest["outcome"]) => tests.filter((t) => t.outcome === outcome).length;
  return { passed: count("passed"), failed: count("failed"), skipped: count("skipped"), tests };
}
