/**
 * Java DateTimeFormatter patterns as date and date_nanos mappings, range query `format`s and
 * printed dates use them (pure): the pattern letters the query layer knows, `yyyy`/`uuuu` (year),
 * `MM`, `dd`, `HH`, `mm`, `ss` and `S` to `SSSSSSSSS` (fraction of second, to the nanosecond);
 * when printing also `X` to `XXX` (offset, `Z` at UTC). Text in single quotes is literal (`'T'`),
 * `''` is a quote, any other character that is not a letter stands for itself. Parsing is strict
 * as Elasticsearch's (ResolverStyle.STRICT): each field exactly its width, a fraction exactly as
 * many digits as letters. A letter we do not know makes the pattern unknown (undefined): the
 * format then matches nothing. Time zones are the caller's (date-math.ts): parsing gives the
 * local wall-clock time.
 * Reference: https://docs.oracle.com/en/java/javase/21/docs/api/java.base/java/time/format/DateTimeFormatter.html
 * (Patterns for Formatting and Parsing), mapping-date-format.html#custom-date-formats.
 */

export type DatePatternToken =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'field'; readonly letter: string; readonly width: number };

/** Each known letter's allowed widths: printing and parsing both use exactly that many digits. */
const knownWidths: Readonly<Record<string, (width: number) => boolean>> = {
  y: (width) => width === 4,
  u: (width) => width === 4,
  M: (width) => width === 2,
  d: (width) => width === 2,
  H: (width) => width === 2,
  m: (width) => width === 2,
  s: (width) => width === 2,
  S: (width) => width >= 1 && width <= 9,
  X: (width) => width >= 1 && width <= 3,
};

const tokenCache = new Map<string, readonly DatePatternToken[] | undefined>();
/** Distinct patterns remembered; a pattern comes from a mapping or a request, so the set is small, but bounded. */
const tokenCacheSizeMax = 256;

/** The pattern's tokens, or undefined when it has a letter (or width) we do not know or an unclosed quote. */
export function tokenizeDatePattern(pattern: string): readonly DatePatternToken[] | undefined {
  if (tokenCache.has(pattern)) return tokenCache.get(pattern);
  const tokens = tokenize(pattern);
  if (tokenCache.size >= tokenCacheSizeMax) tokenCache.clear();
  tokenCache.set(pattern, tokens);
  return tokens;
}

function tokenize(pattern: string): DatePatternToken[] | undefined {
  const tokens: DatePatternToken[] = [];
  const literal = (text: string): void => {
    const last = tokens[tokens.length - 1];
    if (last?.kind === 'literal') tokens[tokens.length - 1] = { kind: 'literal', text: last.text + text };
    else tokens.push({ kind: 'literal', text });
  };
  let index = 0;
  while (index < pattern.length) {
    const char = pattern[index]!;
    if (char === "'") {
      if (pattern[index + 1] === "'") {
        literal("'");
        index += 2;
        continue;
      }
      let text = '';
      index++;
      for (;;) {
        if (index >= pattern.length) return undefined; // unclosed quote: Java refuses the pattern
        if (pattern[index] === "'") {
          if (pattern[index + 1] === "'") (text += "'"), (index += 2);
          else break;
        } else text += pattern[index++];
      }
      index++;
      literal(text);
    } else if (/[A-Za-z]/.test(char)) {
      let width = 1;
      while (pattern[index + width] === char) width++;
      if (knownWidths[char]?.(width) !== true) return undefined;
      tokens.push({ kind: 'field', letter: char, width });
      index += width;
    } else {
      literal(char);
      index++;
    }
  }
  return tokens;
}

/** A pattern's parse: the local wall-clock time (epoch-style milliseconds) and the nanoseconds within its millisecond. */
export interface DatePatternParts {
  readonly localMs: number;
  readonly nanos: number;
}

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Parses `text` with a pattern, strictly: undefined when the pattern is unknown, the text does not
 * match it, or names an impossible date (2023-02-30, month 13, hour 24), which Elasticsearch refuses
 * where Date.UTC would roll it over. Fields the pattern lacks default to 1970-01-01T00:00:00.
 */
export function parseDatePattern(text: string, pattern: string): DatePatternParts | undefined {
  const tokens = tokenizeDatePattern(pattern);
  if (tokens === undefined || tokens.some((token) => token.kind === 'field' && token.letter === 'X')) return undefined;
  let regex = '^';
  const letters: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'literal') regex += escapeRegex(token.text);
    else (regex += `(\\d{${token.width}})`), letters.push(token.letter);
  }
  const match = new RegExp(`${regex}$`).exec(text);
  if (match === null) return undefined;
  const values = new Map<string, string>();
  for (const [index, letter] of letters.entries()) {
    const key = letter === 'u' ? 'y' : letter;
    // The same field twice must agree (Java's resolver refuses a conflict).
    if (values.has(key) && values.get(key) !== match[index + 1]) return undefined;
    values.set(key, match[index + 1]!);
  }
  const number = (letter: string, fallback: number): number => (values.has(letter) ? Number(values.get(letter)) : fallback);
  const [year, month, day, hour, minute, second] = [number('y', 1970), number('M', 1), number('d', 1), number('H', 0), number('m', 0), number('s', 0)];
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCMonth() !== month - 1) return undefined;
  const fraction = (values.get('S') ?? '').padEnd(9, '0');
  date.setUTCHours(hour, minute, second, Number(fraction.slice(0, 3)));
  return { localMs: date.getTime(), nanos: Number(fraction.slice(3)) };
}

/**
 * Prints with a pattern, or undefined when the pattern is unknown. `localMs` is the wall-clock
 * time in the caller's zone, `nanos` the nanoseconds within its millisecond (0 for a `date`
 * field: its fraction digits past the millisecond print as zeros), `offsetMs` that zone's offset.
 */
export function formatDatePattern(pattern: string, localMs: number, nanos: number, offsetMs: number): string | undefined {
  const tokens = tokenizeDatePattern(pattern);
  if (tokens === undefined) return undefined;
  const local = new Date(localMs);
  const pad = (value: number, width = 2): string => String(value).padStart(width, '0');
  const nineDigits = `${pad(local.getUTCMilliseconds(), 3)}${pad(nanos, 6)}`;
  let output = '';
  for (const token of tokens) {
    if (token.kind === 'literal') {
      output += token.text;
      continue;
    }
    switch (token.letter) {
      case 'y':
      case 'u':
        output += pad(local.getUTCFullYear(), 4);
        break;
      case 'M':
        output += pad(local.getUTCMonth() + 1);
        break;
      case 'd':
        output += pad(local.getUTCDate());
        break;
      case 'H':
        output += pad(local.getUTCHours());
        break;
      case 'm':
        output += pad(local.getUTCMinutes());
        break;
      case 's':
        output += pad(local.getUTCSeconds());
        break;
      case 'S':
        output += nineDigits.slice(0, token.width);
        break;
      case 'X': {
        if (offsetMs === 0) {
          output += 'Z';
          break;
        }
        const minutes = Math.abs(offsetMs) / 60_000;
        const hours = `${offsetMs < 0 ? '-' : '+'}${pad(Math.floor(minutes / 60))}`;
        // X: +01 (minutes only when not zero), XX: +0130, XXX: +01:30.
        output += token.width === 1 ? hours + (minutes % 60 === 0 ? '' : pad(minutes % 60)) : token.width === 2 ? hours + pad(minutes % 60) : `${hours}:${pad(minutes % 60)}`;
        break;
      }
    }
  }
  return output;
}
