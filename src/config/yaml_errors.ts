/**
 * Turns the `yaml` parser's errors into plain words on the line the user has to fix. The parser
 * often reports a mis-indented line on the line before it (the value it thinks continues) and
 * in its own jargon ("Nested mappings are not allowed in compact mappings"); the source text is
 * re-read here to find the offending line and say what is wrong with it.
 *
 * @module
 */
import type { LineCounter, YAMLError } from "yaml";
import { SPEC_FIELDS } from "./fields.ts";
import type { ConfigProblem } from "./problems.ts";

interface SourceLine {
  /** 1-based. */
  number: number;
  text: string;
  /** Leading spaces. */
  indent: number;
  /** Blank or only a comment. */
  empty: boolean;
}

function splitLines(text: string): SourceLine[] {
  return text.split(/\r?\n/).map((line, i) => {
    const indent = line.length - line.replace(/^ +/, "").length;
    const rest = line.slice(indent);
    return { number: i + 1, text: line, indent, empty: rest.trim() === "" || rest.startsWith("#") };
  });
}

function spaces(n: number): string {
  return n === 1 ? "1 space" : `${n} spaces`;
}

/** The field name a line starts with (`  count: 2` gives `count`), if it starts with one. */
function keyOf(line: SourceLine): string | undefined {
  return line.text.slice(line.indent).replace(/^- +/, "").match(/^([^\s:#"'][^:#]*?)\s*:(\s|$)/)?.[1];
}

function isListItem(line: SourceLine): boolean {
  return /^-( |$)/.test(line.text.slice(line.indent));
}

function describeLine(line: SourceLine): string {
  const key = keyOf(line);
  if (key !== undefined) return `"${key}" on line ${line.number}`;
  return isListItem(line) ? `the list item on line ${line.number}` : `line ${line.number}`;
}

/**
 * The indentations a line could legally have, given the lines above it: the open blocks' indents,
 * deepest first, each with the line that opened it.
 */
function openIndents(lines: SourceLine[], before: number): SourceLine[] {
  const stack: SourceLine[] = [];
  for (const line of lines.slice(0, before - 1)) {
    if (line.empty || line.text.startsWith("\t") || /^ *\t/.test(line.text)) continue;
    while (stack.length > 0 && stack.at(-1)!.indent > line.indent) stack.pop();
    if (stack.length > 0 && stack.at(-1)!.indent === line.indent) stack[stack.length - 1] = line;
    else stack.push(line);
  }
  return stack.reverse();
}

/** "indented 1 space; the lines above are indented 2 spaces ("count" on line 5) or 0 spaces (…)". */
function badIndent(lines: SourceLine[], line: SourceLine): string | undefined {
  const open = openIndents(lines, line.number);
  if (open.some((l) => l.indent === line.indent)) return undefined;
  const options = open.slice(0, 3).map((l) => `${spaces(l.indent)} (like ${describeLine(l)})`);
  return `this line is indented ${spaces(line.indent)}, which lines up with no line above it; indent it ${
    options.join(" or ")
  }`;
}

/** "this field follows a list item (line 6) at the same indentation; …", when that is the mistake. */
function mixedBlock(lines: SourceLine[], line: SourceLine): string | undefined {
  for (let n = line.number - 1; n >= 1; n--) {
    const prev = lines[n - 1]!;
    if (prev.empty) continue;
    if (prev.indent < line.indent) return undefined;
    if (prev.indent > line.indent) continue;
    if (isListItem(prev) === isListItem(line)) return undefined;
    const what = (l: SourceLine) => isListItem(l) ? "list item" : "field";
    return `this ${what(line)} follows a ${what(prev)} (line ${prev.number}) at the same indentation; a block holds ` +
      `either fields ("name: value") or list items ("- value"), not both`;
  }
  return undefined;
}

/** "… has no colon after the field name; write it as "region: fsn1"", or undefined when it has one. */
function missingColon(line: SourceLine): string | undefined {
  const content = line.text.slice(line.indent).replace(/^-\s+/, "").trim();
  if (content === "" || content === "-") return undefined;
  if (/^[^\s:#]+:\S/.test(content)) {
    return `"${content}" needs a space after the colon ("${content.replace(":", ": ")}")`;
  }
  if (/:(\s|$)/.test(content)) return undefined;
  const words = content.split(/\s+/);
  const example = words.length > 1 ? `${words[0]}: ${words.slice(1).join(" ")}` : `${words[0]}:`;
  return `"${content}" has no colon after the field name; write it as "${example}"`;
}

/** True when `key` names a field that holds other fields (workers, control_plane). */
function isObjectField(key: string): boolean {
  const def = Object.hasOwn(SPEC_FIELDS, key) ? SPEC_FIELDS[key] : undefined;
  return def?.type.kind === "object";
}

/**
 * Explains a line that YAML folded into the plain value of the field above it (`count: 2` followed
 * by a line indented deeper). `start` is the line holding the field and its value.
 */
export function explainContinuation(start: SourceLine, next: SourceLine, value: string): string {
  const key = keyOf(start);
  const owner = key !== undefined
    ? `the value of "${key}"`
    : isListItem(start)
    ? `the list item on line ${start.number}`
    : `the value on line ${start.number}`;
  if (isListItem(next)) {
    return `this list item is indented under ${owner}, so YAML reads it as more text of that value ("${value}"); ` +
      `a field holds either a value after its colon or a list on the lines below it, not both`;
  }
  const alignTo = key === undefined ? `line ${start.number}` : `"${key}"`;
  let advice = `indent it ${spaces(start.indent)} like ${alignTo}`;
  if (key !== undefined && isObjectField(key)) advice += `, or remove the value after "${key}:" to nest it there`;
  return `this line is indented more than ${describeLine(start)}, so YAML reads it as part of ${owner} ` +
    `("${value}"); ${advice}`;
}

/** Finds the line and column where an unclosed quote or bracket `open` starts, at or before `line`. */
function findOpening(
  lines: SourceLine[],
  from: number,
  open: string,
): { line: SourceLine; column: number } | undefined {
  const close = open === "[" ? "]" : open === "{" ? "}" : open;
  for (let n = Math.min(from, lines.length); n >= 1; n--) {
    const line = lines[n - 1]!;
    if (line.empty) continue;
    const m = line.text.match(/^(\s*(?:- +)?(?:[^\s:#"'][^:#]*?:\s+)?)(.)/);
    if (m && m[2] === open && !line.text.slice(m[1]!.length + 1).includes(close)) {
      return { line, column: m[1]!.length + 1 };
    }
  }
  return undefined;
}

/** A problem; `unexplained` when only the parser's own words were found for it. */
type Explained = ConfigProblem & { unexplained?: true };

function explainOne(err: YAMLError, lines: SourceLine[], lc: LineCounter, text: string): Explained {
  const at = lc.linePos(err.pos[0]);
  const line = lines[at.line - 1] ?? lines.at(-1)!;
  const problem = (l: SourceLine, message: string, column = l.indent + 1): ConfigProblem => ({
    path: "",
    line: l.number,
    column,
    message: `invalid YAML: ${message}`,
  });
  const parserWords = err.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");

  switch (err.code) {
    case "UNEXPECTED_TOKEN":
      if (err.message.startsWith("Unexpected scalar at node end")) {
        const mixed = mixedBlock(lines, line);
        if (mixed) return problem(line, mixed);
        return problem(
          line,
          "there is more text after the value ends (after its closing quote or bracket); quote the whole value",
          at.col,
        );
      }
      break;
    case "TAB_AS_INDENT":
      return problem(line, "this line is indented with a tab; YAML allows only spaces for indentation", 1);
    case "MISSING_CHAR": {
      if (err.message.startsWith("Implicit map keys need to be followed by map values")) {
        const message = missingColon(line);
        if (message) return problem(line, message);
      }
      const quote = err.message.match(/Missing closing (["'])quote/)?.[1];
      if (quote !== undefined) {
        const opening = findOpening(lines, at.line, quote);
        if (opening) {
          return problem(
            opening.line,
            `the ${quote} opened here is never closed; add the closing ${quote} at the end of the value`,
            opening.column,
          );
        }
        return problem(line, `a ${quote} quote is never closed`);
      }
      break;
    }
    case "BAD_INDENT": {
      const flow = err.message.match(/^Flow (sequence|mapping)/)?.[1];
      if (flow !== undefined) {
        const [open, close] = flow === "sequence" ? ["[", "]"] : ["{", "}"];
        const opening = findOpening(lines, at.line, open);
        if (opening) {
          return problem(
            opening.line,
            `the ${
              flow === "sequence" ? "list" : "mapping"
            } opened with "${open}" here is never closed with "${close}"`,
            opening.column,
          );
        }
      }
      const message = badIndent(lines, line);
      if (message) return problem(line, message);
      break;
    }
    case "BLOCK_AS_IMPLICIT_KEY":
    case "MULTILINE_IMPLICIT_KEY": {
      if (err.message.startsWith("A block sequence")) {
        return problem(
          line,
          badIndent(lines, line) ?? mixedBlock(lines, line) ??
            `a list item ("- …") cannot stand among fields; remove the "- ", or put the list under a field of its own`,
        );
      }
      const before = line.text.slice(0, at.col - 1);
      if (before.trim() === "" || /^\s*-\s*$/.test(before)) {
        // The scalar starts where a field name belongs: a field name without its ": ".
        const message = missingColon(line);
        if (message) return problem(line, message);
        break;
      }
      // The value after "key: " runs on: find the line holding the ": " that YAML choked on.
      const rest = text.slice(err.pos[0]);
      const colon = rest.search(/:(\s|$)/);
      const colonLine = colon === -1 ? line : lines[lc.linePos(err.pos[0] + colon).line - 1]!;
      if (colonLine.number === line.number) {
        const value = line.text.slice(at.col - 1).trim();
        return problem(
          line,
          `the value ${
            JSON.stringify(value)
          } contains ": ", which YAML reads as another field; put the value in quotes`,
          at.col,
        );
      }
      const folded = `${line.text.slice(at.col - 1).trim()} ${colonLine.text.trim()}`;
      return problem(colonLine, explainContinuation(line, colonLine, folded));
    }
  }
  if (/^ *\t/.test(line.text)) {
    return problem(line, "this line is indented with a tab; YAML allows only spaces for indentation", 1);
  }
  const plain = badIndent(lines, line) ?? mixedBlock(lines, line);
  return plain ? problem(line, plain) : { ...problem(line, parserWords, at.col), unexplained: true };
}

/**
 * Explains the parser's errors in plain words, on the line to fix. Errors that land on a line
 * already explained (the parser often reports one mistake two or three times) are dropped, and so
 * are errors after the first that only have the parser's words: they follow from the first.
 */
export function explainYamlErrors(text: string, errors: readonly YAMLError[], lc: LineCounter): ConfigProblem[] {
  const lines = splitLines(text);
  // An indented first field makes every later top-level field look wrong: report only that.
  const first = lines.find((l) => !l.empty);
  if (errors.length > 0 && first !== undefined && first.indent > 0 && !/^ *\t/.test(first.text)) {
    return [{
      path: "",
      line: first.number,
      column: first.indent + 1,
      message: `invalid YAML: the first field is indented ${spaces(first.indent)}; top-level fields start at the ` +
        `beginning of the line`,
    }];
  }
  const out: ConfigProblem[] = [];
  for (const err of errors) {
    if (err.code === "MULTIPLE_DOCS" || err.message.startsWith("Source contains multiple documents")) {
      const at = lc.linePos(err.pos[0]);
      out.push({
        path: "",
        line: at.line,
        column: at.col,
        message: `invalid YAML: the file must hold one YAML document; remove the "---" separator and what follows`,
      });
      continue;
    }
    const { unexplained, ...p } = explainOne(err, lines, lc, text);
    if (unexplained && out.length > 0) continue;
    if (!out.some((q) => q.line === p.line)) out.push(p);
  }
  return out;
}

/** The source lines, for callers that explain a continuation found after parsing. */
export function sourceLines(text: string): SourceLine[] {
  return splitLines(text);
}

export type { SourceLine };
