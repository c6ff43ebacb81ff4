import { describe, expect, it } from 'vitest';
import { clipText } from '../../server/clip-text.js';

const cases: Array<[string, { given: [string, number]; want: string }]> = [
  ['leaves text within the limit alone', { given: ['hello', 5], want: 'hello' }],
  ['cuts and marks the cut', { given: ['hello world', 6], want: 'hello…' }],
  ['counts code points, as maxLength does', { given: ['😀😀😀', 3], want: '😀😀😀' }],
  ['never cuts inside an emoji with a skin tone', { given: ['ab👍🏽👍🏽', 4], want: 'ab…' }],
  ['never cuts a letter from its combining accent', { given: ['cafe\u0301 au lait', 5], want: 'caf…' }],
];

describe('clipText', () => {
  it.each(cases)('%s', (_name, { given, want }) => {
    const clipped = clipText(...given);
    expect(clipped).toBe(want);
    expect([...clipped].length).toBeLessThanOrEqual(given[1]);
  });
});
