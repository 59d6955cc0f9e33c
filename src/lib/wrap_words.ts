/**
 * Word wrapping for text shown in a terminal, where the terminal's own wrapping would break a
 * line's prefix (a YAML comment's "#", a prompt's bar).
 *
 * @module
 */

/** Breaks `text` at spaces into lines of at most `width` characters (a longer word stays whole). */
export function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let current = "";
  for (const word of text.split(/ +/)) {
    if (current !== "" && current.length + 1 + word.length > width) {
      lines.push(current);
      current = word;
    } else {
      current = current === "" ? word : `${current} ${word}`;
    }
  }
  lines.push(current);
  return lines;
}
