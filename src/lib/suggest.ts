/**
 * "Did you mean …?" for misspelt names, by Levenshtein distance.
 *
 * @module
 */

/** Edit distance (insertions, deletions, substitutions) between two strings. */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * The closest candidate to `input`, if it is close enough to be a plausible typo: at most a third
 * of the longer word's length (and at least 1) edits away. A word that differs only in case
 * always wins. Ties go to the earlier candidate.
 */
export function suggest(input: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const exactIgnoringCase = candidate.toLowerCase() === input.toLowerCase();
    const distance = exactIgnoringCase ? 0.5 : levenshtein(input.toLowerCase(), candidate.toLowerCase());
    const limit = Math.max(1, Math.floor(Math.max(input.length, candidate.length) / 3));
    if (distance <= limit && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
