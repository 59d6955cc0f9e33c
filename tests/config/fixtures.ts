/**
 * The config fixture corpus: `valid/` files that must load, and `invalid/` files, one per kind of
 * mistake, whose header names the expected problem (`# expect: <path> line <n>`; `-` for the file).
 * `# env: required` marks environment checks, `# schema: yaml-level` mistakes no JSON Schema can see.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** This directory. */
export const here = dirname(fileURLToPath(import.meta.url));

/** A fixture and what its header expects. */
export interface Fixture {
  name: string;
  path: string;
  text: string;
  expectPath?: string;
  expectLine?: number;
  requireEnv: boolean;
  yamlLevel: boolean;
}

/** Reads the fixtures of `tests/config/<kind>/`, sorted by name. */
export function readFixtures(kind: "valid" | "invalid"): Fixture[] {
  const dir = join(here, kind);
  const out: Fixture[] = [];
  for (const entry of [...Deno.readDirSync(dir)].sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.name.endsWith(".yaml")) continue;
    const path = join(dir, entry.name);
    const text = Deno.readTextFileSync(path);
    const expect = text.match(/^# expect: (\S+) line (\d+)$/m);
    out.push({
      name: entry.name,
      path,
      text,
      expectPath: expect ? (expect[1] === "-" ? "" : expect[1]) : undefined,
      expectLine: expect ? Number(expect[2]) : undefined,
      requireEnv: /^# env: required$/m.test(text),
      yamlLevel: /^# schema: yaml-level/m.test(text),
    });
  }
  return out;
}
