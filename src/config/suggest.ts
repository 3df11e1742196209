/** "Did you mean" for unknown keys: the closest known name by edit distance, if close enough. */

/** Names longer than this are not compared (bounds the O(n·m) distance table). */
const suggestNameLengthMax = 64;

export function suggest(name: string, known: Iterable<string>): string | undefined {
  if (name.length > suggestNameLengthMax) return undefined;
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    if (candidate.length > suggestNameLengthMax) continue;
    const d = editDistance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  // Beyond about a third of the name, a suggestion is more confusing than helpful.
  const threshold = Math.max(2, Math.ceil(name.length / 3));
  return bestDistance <= threshold ? best : undefined;
}

/** Levenshtein distance with one rolling row. */
export function editDistance(a: string, b: string): number {
  const row = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) row[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] ?? 0;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(above + 1, (row[j - 1] ?? 0) + 1, diagonal + cost);
      diagonal = above;
    }
  }
  return row[b.length] ?? 0;
}
