/**
 * The Porter stemming algorithm (M. F. Porter, 1980), the one Lucene's PorterStemFilter and so
 * Elasticsearch's `english` analyzer apply. This follows Porter's reference implementation
 * (including its departures: `bli` → `ble` and `logi` → `log` in step 2). Words of fewer than
 * three characters are returned unchanged, as Lucene does.
 */
const step2Suffixes: Readonly<Record<string, string>> = {
  ational: 'ate', tional: 'tion', enci: 'ence', anci: 'ance', izer: 'ize', bli: 'ble', alli: 'al',
  entli: 'ent', eli: 'e', ousli: 'ous', ization: 'ize', ation: 'ate', ator: 'ate', alism: 'al',
  iveness: 'ive', fulness: 'ful', ousness: 'ous', aliti: 'al', iviti: 'ive', biliti: 'ble', logi: 'log',
};
const step3Suffixes: Readonly<Record<string, string>> = {
  icate: 'ic', ative: '', alize: 'al', iciti: 'ic', ical: 'ic', ful: '', ness: '',
};
const consonant = '[^aeiou]';
const vowel = '[aeiouy]';
const consonantSequence = `${consonant}[^aeiouy]*`;
const vowelSequence = `${vowel}[aeiou]*`;
const measureAtLeastOne = new RegExp(`^(${consonantSequence})?${vowelSequence}${consonantSequence}`);
const measureExactlyOne = new RegExp(`^(${consonantSequence})?${vowelSequence}${consonantSequence}(${vowelSequence})?$`);
const measureAtLeastTwo = new RegExp(`^(${consonantSequence})?${vowelSequence}${consonantSequence}${vowelSequence}${consonantSequence}`);
const containsVowel = new RegExp(`^(${consonantSequence})?${vowel}`);
const endsCvc = new RegExp(`^${consonantSequence}${vowel}[^aeiouwxy]$`);
const step1aSses = /^(.+?)(ss|i)es$/;
const step1aS = /^(.+?)([^s])s$/;
const step1bEed = /^(.+?)eed$/;
const step1bEdIng = /^(.+?)(ed|ing)$/;
const step1bAtBlIz = /(at|bl|iz)$/;
const step1bDouble = /([^aeiouylsz])\1$/;
const step1cY = /^(.+?)y$/;
const step2 = /^(.+?)(ational|tional|enci|anci|izer|bli|alli|entli|eli|ousli|ization|ation|ator|alism|iveness|fulness|ousness|aliti|iviti|biliti|logi)$/;
const step3 = /^(.+?)(icate|ative|alize|iciti|ical|ful|ness)$/;
const step4 = /^(.+?)(al|ance|ence|er|ic|able|ible|ant|ement|ment|ent|ou|ism|ate|iti|ous|ive|ize)$/;
const step4Ion = /^(.+?)(s|t)(ion)$/;
const step5E = /^(.+?)e$/;
const step5Ll = /ll$/;

export function porterStem(input: string): string {
  if (input.length < 3) return input;
  let word = input;
  const startsWithY = word.charCodeAt(0) === 121; // a leading y is a consonant: mark it
  if (startsWithY) word = 'Y' + word.slice(1);
  let match: RegExpExecArray | null;
  // Step 1a
  if ((match = step1aSses.exec(word)) !== null) word = match[1]! + match[2]!;
  else if ((match = step1aS.exec(word)) !== null) word = match[1]! + match[2]!;
  // Step 1b
  if ((match = step1bEed.exec(word)) !== null) {
    if (measureAtLeastOne.test(match[1]!)) word = word.slice(0, -1);
  } else if ((match = step1bEdIng.exec(word)) !== null) {
    const stem = match[1]!;
    if (containsVowel.test(stem)) {
      word = stem;
      if (step1bAtBlIz.test(word)) word += 'e';
      else if (step1bDouble.test(word)) word = word.slice(0, -1);
      else if (endsCvc.test(word)) word += 'e';
    }
  }
  // Step 1c
  if ((match = step1cY.exec(word)) !== null) {
    const stem = match[1]!;
    if (containsVowel.test(stem)) word = stem + 'i';
  }
  // Step 2
  if ((match = step2.exec(word)) !== null) {
    const stem = match[1]!;
    if (measureAtLeastOne.test(stem)) word = stem + step2Suffixes[match[2]!]!;
  }
  // Step 3
  if ((match = step3.exec(word)) !== null) {
    const stem = match[1]!;
    if (measureAtLeastOne.test(stem)) word = stem + step3Suffixes[match[2]!]!;
  }
  // Step 4
  if ((match = step4.exec(word)) !== null) {
    const stem = match[1]!;
    if (measureAtLeastTwo.test(stem)) word = stem;
  } else if ((match = step4Ion.exec(word)) !== null) {
    const stem = match[1]! + match[2]!;
    if (measureAtLeastTwo.test(stem)) word = stem;
  }
  // Step 5
  if ((match = step5E.exec(word)) !== null) {
    const stem = match[1]!;
    if (measureAtLeastTwo.test(stem) || (measureExactlyOne.test(stem) && !endsCvc.test(stem))) word = stem;
  }
  if (step5Ll.test(word) && measureAtLeastTwo.test(word)) word = word.slice(0, -1);
  if (startsWithY) word = 'y' + word.slice(1);
  return word;
}
