/**
 * The body of a server-side apply (`application/apply-patch+yaml`): YAML, which JSON is a subset of.
 * Clients send JSON (kubectl, client-go, Helm's whole rendered manifests, our own client), and the
 * `yaml` package took about 7 % of an end-to-end test process's CPU parsing those bodies: a JSON object
 * goes to `JSON.parse` instead. The result is the same value (YAML 1.2's core schema reads a JSON
 * document as JSON does), and a body the YAML parser would refuse is still handed to it so it refuses it
 * as before: one that is not valid JSON, and a JSON object with a key twice (YAML's "Map keys must be
 * unique", where `JSON.parse` would keep the last).
 *
 * @module
 */
import { parse as parseYaml } from "yaml";

/** Parses an apply patch body (see the module doc); throws what the YAML parser throws. */
export function parseApplyPatchBody(text: string): unknown {
  if (/^\s*\{/.test(text)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return parseYaml(text);
    }
    if (!hasDuplicateKeys(text)) return parsed;
  }
  return parseYaml(text);
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;

/** Whether an object of `text`, a valid JSON document, names a key twice. */
export function hasDuplicateKeys(text: string): boolean {
  // The keys of each open object (undefined for an array); a string right after `{` or after a `,` in an
  // object is a key, any other string a value.
  const open: (Set<string> | undefined)[] = [];
  let keyNext = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      let end = i + 1;
      let escaped = false;
      while (text.charCodeAt(end) !== QUOTE) {
        if (text.charCodeAt(end) === BACKSLASH) {
          escaped = true;
          end++;
        }
        end++;
      }
      if (keyNext) {
        const key = escaped ? JSON.parse(text.slice(i, end + 1)) as string : text.slice(i + 1, end);
        const keys = open[open.length - 1]!;
        if (keys.has(key)) return true;
        keys.add(key);
        keyNext = false;
      }
      i = end;
    } else if (c === OPEN_OBJECT) {
      open.push(new Set());
      keyNext = true;
    } else if (c === OPEN_ARRAY) {
      open.push(undefined);
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      open.pop();
      keyNext = false;
    } else if (c === COMMA) {
      keyNext = open[open.length - 1] !== undefined;
    }
  }
  return false;
}
