/** Shortening text between grapheme clusters (contract/text-limit.ts), issue 10 item 14. */
import { describe, expect, it } from 'vitest';
import { codePointLength, shortenText } from '../../contract/text-limit.js';

describe('shortenText', () => {
  it.each([
    ['leaves text that fits', { text: 'hello', limit: 5 }, 'hello'],
    ['cuts plain text and adds an ellipsis within the limit', { text: 'hello world', limit: 6 }, 'hello…'],
    ['keeps a flag whole or leaves it out (two code points, one character)', { text: 'go 🇧🇪 now', limit: 5 }, 'go …'],
    ['keeps a flag that fits', { text: 'go 🇧🇪 now', limit: 6 }, 'go 🇧🇪…'],
    ['never splits an emoji from its skin tone', { text: 'hi 👋🏽 there', limit: 5 }, 'hi …'],
    ['never splits a family emoji joined by ZWJ', { text: 'a👨‍👩‍👧b', limit: 5 }, 'a…'],
    ['never splits a letter from its combining accent', { text: 'cafe\u0301 au lait', limit: 5 }, 'caf…'],
    ['keeps a precomposed letter as any other', { text: 'café au lait', limit: 5 }, 'café…'],
    ['gives the empty string for a limit of 0', { text: 'hello', limit: 0 }, ''],
    ['cuts to the ellipsis alone when nothing else fits', { text: 'hello', limit: 1 }, '…'],
  ])('%s', (_name, { text, limit }, want) => {
    const got = shortenText(text, limit);
    expect(got).toBe(want);
    expect(codePointLength(got)).toBeLessThanOrEqual(limit);
  });

  it('counts code points, as JSON Schema maxLength does, so an astral character counts once', () => {
    expect(codePointLength('😀😀')).toBe(2);
    expect(shortenText('😀😀', 2)).toBe('😀😀');
  });

  it('takes another ellipsis, and cuts it too when the limit is smaller', () => {
    expect(shortenText('hello world', 8, '...')).toBe('hello...');
    expect(shortenText('hello world', 2, '...')).toBe('..');
  });

  it('refuses a negative limit', () => {
    expect(() => shortenText('x', -1)).toThrow(RangeError);
  });
});
