/**
 * CRD `pattern`s are Go RE2 expressions; the API server accepts what RE2 accepts. JavaScript's RegExp
 * lacks RE2's flag groups that apply to the rest of the enclosing group (`(?i)abc`, used by the
 * Prometheus operator CRDs), but knows the scoped form `(?i:abc)` (RegExp modifiers). This rewrites
 * the one into the other, so ajv can compile such schemas as the API server compiles them.
 *
 * @module
 */

const FLAG_GROUP = /^\(\?([ims]+)\)/;

/** `pattern` with every RE2 `(?flags)` turned into a `(?flags:…)` group running to the end of its enclosing group. */
export function translateGoRegExp(pattern: string): string {
  let out = "";
  // Per open group (index 0: the whole pattern), how many scoped flag groups to close with it.
  const pending: number[] = [0];
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === "\\") {
      out += pattern.slice(i, i + 2);
      i++;
    } else if (ch === "[") {
      // A character class runs to the first unescaped `]` that is not its first member.
      let j = i + 1;
      if (pattern[j] === "^") j++;
      if (pattern[j] === "]") j++;
      while (j < pattern.length && pattern[j] !== "]") j += pattern[j] === "\\" ? 2 : 1;
      out += pattern.slice(i, j + 1);
      i = j;
    } else if (ch === "(" && FLAG_GROUP.test(pattern.slice(i))) {
      const [whole, flags] = FLAG_GROUP.exec(pattern.slice(i))!;
      out += `(?${flags}:`;
      pending[pending.length - 1]!++;
      i += whole.length - 1;
    } else if (ch === "(") {
      pending.push(0);
      out += ch;
    } else if (ch === ")") {
      out += ")".repeat(pending.length > 1 ? pending.pop()! : 0) + ")";
    } else {
      out += ch;
    }
  }
  return out + ")".repeat(pending[0]!);
}

/** A RegExp engine for ajv's `code.regExp` option that takes RE2 patterns. */
export const goRegExpEngine = Object.assign(
  (pattern: string, flags: string) => new RegExp(translateGoRegExp(pattern), flags),
  { code: "new RegExp" },
);
