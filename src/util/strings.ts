/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      const cost = a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + cost);
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** The closest candidate to `word`, if it is close enough to be a plausible typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  const limit = Math.max(2, Math.floor(word.length / 3));
  for (const c of candidates) {
    // the distance is at least the difference in length: skip the hopeless (a 2 MB key took seconds per candidate)
    if (Math.abs(word.length - c.length) > limit) continue;
    const d = editDistance(word, c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= limit ? best : undefined;
}

export function didYouMean(word: string, candidates: readonly string[]): string {
  const c = closest(word, candidates);
  return c ? ` (did you mean "${c}"?)` : '';
}

/**
 * A value echoed in a message, cut to about `max` characters: its start and its end, and how long
 * it was (a 2 MB string from a config must not come back whole in an error).
 */
export function clip(text: string, max = 80): string {
  if (text.length <= max) return text;
  const head = Math.ceil(max * 0.7);
  const tail = max - head - 1;
  // never cut a surrogate pair in half
  const start = text.slice(0, head).replace(/[\uD800-\uDBFF]$/, '');
  const end = text.slice(text.length - tail).replace(/^[\uDC00-\uDFFF]/, '');
  return `${start}…${end} (${text.length.toLocaleString('en-US')} characters)`;
}

/**
 * The last line of defence for any message shown to a user: unbroken runs of over 120 characters
 * (an echoed value, a path) are clipped, and the whole is cut at 2,000 characters.
 */
export function clipEchoes(message: string): string {
  const clipped = message.replace(/\S{121,}/g, (w) => clip(w, 120));
  return clipped.length <= 2000 ? clipped : clip(clipped, 2000);
}

/** "1 run", "5 runs": a count with its noun. */
export const counted = (n: number, noun: string) => `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
