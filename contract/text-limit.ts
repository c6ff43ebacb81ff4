/**
 * Shortening text to a limit without breaking a character a person sees as one: the cut falls
 * between grapheme clusters (`Intl.Segmenter`), so a flag, an emoji with a skin tone, a family
 * emoji or a letter with a combining accent is kept whole or left out whole, never split.
 * Lengths are counted in code points, as JSON Schema's `maxLength` counts them.
 * @see https://unicode.org/reports/tr29/#Grapheme_Cluster_Boundaries
 * @see https://json-schema.org/draft/2020-12/json-schema-validation#section-6.3.1
 */

/** Marks text that was shortened. */
export const ELLIPSIS = '…';

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** The length JSON Schema's `maxLength` sees: code points, not UTF-16 units. */
export function codePointLength(text: string): number {
  let length = 0;
  for (const _ of text) length++;
  return length;
}

/**
 * `text` when it fits in `limit` code points; otherwise its longest start made of whole grapheme
 * clusters that fits together with `ellipsis`, followed by `ellipsis`. The result never exceeds
 * `limit` (an ellipsis longer than the limit is itself cut).
 *
 * @example shortenText('Hello 👋🏽 world', 8) // 'Hello …' (the waving hand and its skin tone go together)
 */
export function shortenText(text: string, limit: number, ellipsis: string = ELLIPSIS): string {
  if (!(limit >= 0)) throw new RangeError(`limit must be 0 or more, not ${limit}`);
  if (codePointLength(text) <= limit) return text;
  const room = limit - codePointLength(ellipsis);
  if (room < 0) return shortenText(ellipsis, limit, '');
  let kept = '';
  let used = 0;
  for (const { segment } of graphemes.segment(text)) {
    const size = codePointLength(segment);
    if (used + size > room) break;
    kept += segment;
    used += size;
  }
  return kept + ellipsis;
}
