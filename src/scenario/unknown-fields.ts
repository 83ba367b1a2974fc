import type { ProblemList } from '../errors.js';
import { KNOWN_FIELDS } from './fields.js';
import { getPath, isObject, type Raw } from './sections/reader.js';

/** The known field within edit distance 2 of a typo, if any. */
function closest(word: string, options: readonly string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) (d[0] as number[])[j] = j;
    for (let i = 1; i <= a.length; i++) {
      for (let j = 1; j <= b.length; j++) {
        const row = d[i] as number[];
        const prev = d[i - 1] as number[];
        row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
      }
    }
    return (d[a.length] as number[])[b.length] as number;
  };
  let best: string | undefined;
  let bestScore = 3;
  for (const option of options) {
    const score = distance(word.toLowerCase(), option.toLowerCase());
    if (score < bestScore) [best, bestScore] = [option, score];
  }
  return best;
}

/** Adds a problem for every field of a scenario file that is not a known one (src/scenario/fields.ts), with the likely meant one. */
export function checkUnknownFields(raw: Raw, problems: ProblemList): void {
  for (const [section, fields] of Object.entries(KNOWN_FIELDS)) {
    const obj = section === '' ? raw : getPath(raw, section);
    if (!isObject(obj)) continue;
    for (const key of Object.keys(obj)) {
      if (fields.includes(key)) continue;
      const path = section === '' ? key : `${section}.${key}`;
      const guess = closest(key, fields);
      problems.add(path, `unknown field${guess ? `; did you mean "${section === '' ? guess : `${section}.${guess}`}"?` : ` (known: ${fields.join(', ')})`}`);
    }
  }
}
