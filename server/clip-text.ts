/**
 * `text` cut to at most `max` code points (JSON Schema's `maxLength` counts code points), ending
 * in `…`, between user-perceived characters (grapheme clusters, `Intl.Segmenter`), never inside one.
 * Used where the server answers text it did not choose (an error message, a quoted path) under a
 * bound the spec declares.
 */
export function clipText(text: string, max: number): string {
  if (countCodePoints(text) <= max) return text;
  let out = '';
  let length = 0;
  for (const { segment } of new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text)) {
    const size = countCodePoints(segment);
    if (length + size > max - 1) break;
    out += segment;
    length += size;
  }
  return `${out}…`;
}

function countCodePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}
