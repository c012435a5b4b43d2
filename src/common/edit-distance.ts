/**
 * Edit distance over a sequence of units (pure; code points or UTF-16 code units, as the caller
 * gives them), as Lucene's Levenshtein automata count edits: the term suggester
 * (DirectSpellChecker), the completion suggester's fuzzy prefix match and the aggregation
 * parser's "did you mean" on a misspelled field share it.
 */

export interface EditDistanceOptions {
  /** Count a swap of two adjacent units as one edit (Damerau-Levenshtein, optimal string alignment). Default true. */
  readonly transpositions?: boolean;
  /** Measure `left` against the nearest prefix of `right` rather than all of it (FuzzyCompletionQuery). */
  readonly prefixOfRight?: boolean;
}

/**
 * The edits from `left` to `right` (or to the nearest prefix of `right`), or a number above
 * `limit` as soon as every alignment needs more than `limit` edits.
 */
export function editDistance(left: readonly number[], right: readonly number[], limit: number, options: EditDistanceOptions = {}): number {
  const transpositions = options.transpositions ?? true;
  const prefixOfRight = options.prefixOfRight ?? false;
  if (!prefixOfRight && Math.abs(left.length - right.length) > limit) return limit + 1;
  const width = right.length + 1;
  let before = new Array<number>(width).fill(0);
  let previous = Array.from({ length: width }, (_, index) => index);
  let current = new Array<number>(width).fill(0);
  for (let i = 1; i <= left.length; i++) {
    current[0] = i;
    let rowMin = i;
    for (let j = 1; j < width; j++) {
      let value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (left[i - 1] === right[j - 1] ? 0 : 1));
      if (transpositions && i > 1 && j > 1 && left[i - 1] === right[j - 2] && left[i - 2] === right[j - 1]) value = Math.min(value, before[j - 2]! + 1);
      current[j] = value;
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > limit) return limit + 1;
    [before, previous, current] = [previous, current, before];
  }
  return prefixOfRight ? Math.min(...previous) : previous[right.length]!;
}

/** `editDistance` over two strings' UTF-16 code units (the length check comes before the copy to units, which most far-apart candidates never need). */
export function utf16EditDistance(left: string, right: string, limit: number, options: EditDistanceOptions = {}): number {
  if (!(options.prefixOfRight ?? false) && Math.abs(left.length - right.length) > limit) return limit + 1;
  const units = (text: string): number[] => Array.from({ length: text.length }, (_, index) => text.charCodeAt(index));
  return editDistance(units(left), units(right), limit, options);
}
