import { describe, expect, it } from 'vitest';
import { compilePattern, matchIntent, normalizeText, type Intent } from '../../server/bot/intents.js';

describe('normalizeText', () => {
  const cases: [string, { given: string; want: string }][] = [
    ['lowers the case', { given: 'MENU', want: 'menu' }],
    ['drops accents', { given: 'Café Crème', want: 'cafe creme' }],
    ['turns punctuation and runs of spaces into one space', { given: '  Quick-Replies,  please!! ', want: 'quick replies please' }],
    ['keeps digits and letters of any script', { given: 'Привет 42', want: 'привет 42' }],
    ['leaves nothing of punctuation alone', { given: '?!', want: '' }],
  ];
  it.each(cases)('%s', (_name, { given, want }) => {
    expect(normalizeText(given)).toBe(want);
  });
});

describe('matchIntent', () => {
  const intent = (name: string, keywords: string[], patterns: string[] = []): Intent => ({
    name,
    keywords: keywords.map(normalizeText),
    patterns: patterns.map(compilePattern),
    goto: name,
  });
  const intents = [
    intent('greeting', ['hi', 'hello'], ['^good (morning|evening)\\b']),
    intent('introduction', [], ['^my name is (?<name>\\p{L}+)(?: (?<last>\\p{L}+))?$']),
    intent('quick-replies', ['quick replies']),
    intent('menu', ['menu']),
  ];
  const cases: [string, { given: string; want: { goto: string; captures: Record<string, string> } | undefined }][] = [
    ['matches a keyword alone', { given: 'hi', want: { goto: 'greeting', captures: {} } }],
    ['matches a keyword among other words', { given: 'Hi there!', want: { goto: 'greeting', captures: {} } }],
    ['does not match a keyword inside a word', { given: 'this is it', want: undefined }],
    ['matches a phrase whatever its punctuation', { given: 'Show me quick-replies', want: { goto: 'quick-replies', captures: {} } }],
    ['does not match a phrase whose words are apart', { given: 'quick, show replies', want: undefined }],
    ['matches a regular expression without case', { given: 'GOOD MORNING to you', want: { goto: 'greeting', captures: {} } }],
    ['keeps named groups that matched', { given: 'my name is Ada', want: { goto: 'introduction', captures: { name: 'Ada' } } }],
    ['keeps every named group', { given: 'My name is Ada Lovelace', want: { goto: 'introduction', captures: { name: 'Ada', last: 'Lovelace' } } }],
    ['matches the trimmed text', { given: '  my name is Grace  ', want: { goto: 'introduction', captures: { name: 'Grace' } } }],
    ['takes the first intent in order when several match', { given: 'hello, the menu please', want: { goto: 'greeting', captures: {} } }],
    ['matches nothing else', { given: 'what?', want: undefined }],
  ];
  it.each(cases)('%s', (_name, { given, want }) => {
    const match = matchIntent(intents, given);
    expect(match && { goto: match.intent.goto, captures: match.captures }).toEqual(want);
  });

  it('gives the same answer every time, as a compiled pattern keeps no state between texts', () => {
    expect([1, 2, 3].map(() => matchIntent(intents, 'good evening')?.intent.goto)).toEqual(['greeting', 'greeting', 'greeting']);
  });
});
