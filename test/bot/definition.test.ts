import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BotDefinitionError, loadBotDefinitions, parseBotDefinition } from '../../server/bot/definition.js';

const BOTS_DIR = new URL('../../bots', import.meta.url).pathname;

/** A definition with one state `a` holding `messages`, and anything `extra` adds. */
function definition(messages: string, extra = ''): string {
  return `intro: a\nfallback: a\n${extra}states:\n  a:\n    messages:\n${messages}`;
}

function errorOf(yamlText: string): BotDefinitionError {
  try {
    parseBotDefinition('broken', yamlText, 'bots/broken.yaml');
  } catch (error) {
    if (error instanceof BotDefinitionError) return error;
    throw error;
  }
  throw new Error('the definition loaded, but a BotDefinitionError was expected');
}

describe('loadBotDefinitions', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bots-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads the demo bot from bots/, with the file name as its id', async () => {
    const bots = await loadBotDefinitions(BOTS_DIR);
    const demo = bots.get('demo');
    expect(demo).toMatchObject({ id: 'demo', intro: 'welcome', fallback: 'fallback' });
    expect(demo?.file).toBe(join(BOTS_DIR, 'demo.yaml'));
  });

  it('loads every .yaml and .yml file of the folder, and nothing else', async () => {
    const bot = definition('      - { type: text, text: hi }\n');
    await writeFile(join(dir, 'alpha.yaml'), bot);
    await writeFile(join(dir, 'beta_2.yml'), bot);
    await writeFile(join(dir, 'README.md'), '# not a bot');
    const bots = await loadBotDefinitions(dir);
    expect([...bots.keys()]).toEqual(['alpha', 'beta_2']);
  });

  it('refuses a file whose name is not a valid bot id, naming the file', async () => {
    await writeFile(join(dir, 'my bot.yaml'), definition('      - { type: text, text: hi }\n'));
    await expect(loadBotDefinitions(dir)).rejects.toThrow(`${join(dir, 'my bot.yaml')}: 'my bot' is not a valid bot id`);
  });

  it('refuses two files for the same bot', async () => {
    await writeFile(join(dir, 'same.yaml'), definition('      - { type: text, text: hi }\n'));
    await writeFile(join(dir, 'same.yml'), definition('      - { type: text, text: hi }\n'));
    await expect(loadBotDefinitions(dir)).rejects.toThrow(`${join(dir, 'same.yml')}: bot 'same' is already defined by ${join(dir, 'same.yaml')}`);
  });

  it('names the file of a definition with a mistake', async () => {
    await writeFile(join(dir, 'good.yaml'), definition('      - { type: text, text: hi }\n'));
    await writeFile(join(dir, 'bad.yaml'), definition('      - { type: text }\n'));
    const error = await loadBotDefinitions(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BotDefinitionError);
    expect(error).toMatchObject({ file: join(dir, 'bad.yaml'), path: 'states.a.messages[0].text' });
  });
});

describe('parseBotDefinition', () => {
  it('reads a definition with every feature', () => {
    const bot = parseBotDefinition(
      'full',
      `
description: Everything at once.
intro: a
fallback: b
postbacks: { go-b: b }
intents:
  - { name: hello, keywords: [Hello There], patterns: ['^hey (?<who>\\w+)'], goto: a }
location: { capture: where, goto: b }
attachment: { goto: b }
states:
  a:
    messages: [{ type: text, text: "hi {{who|you}}" }]
    next: b
  b:
    messages: [{ type: quick_replies, text: b, quick_replies: [{ content_type: text, title: B, payload: go-b }, { content_type: text, title: C, payload: c }] }]
    postbacks: { c: a }
    expect: { text: { capture: said, goto: a } }
`,
      'bots/full.yaml',
    );
    expect(bot.description).toBe('Everything at once.');
    expect(bot.intents[0]).toMatchObject({ name: 'hello', keywords: ['hello there'], goto: 'a' });
    expect(bot.intents[0].patterns[0].flags).toBe('iu');
    expect([...bot.postbacks]).toEqual([['go-b', 'b']]);
    expect(bot.location).toEqual({ capture: 'where', goto: 'b' });
    expect(bot.attachment).toEqual({ goto: 'b' });
    expect(bot.states.get('a')).toMatchObject({ next: 'b', messages: [{ hasPlaceholders: true, minimal: { type: 'text', text: 'hi you' } }] });
    expect(bot.states.get('b')).toMatchObject({ expect: { text: { capture: 'said', goto: 'a' } } });
    expect([...bot.states.get('b')!.postbacks]).toEqual([['c', 'a']]);
  });

  type Want = { path: string; message: string; line: number };
  const fourButtons = [1, 2, 3, 4].map((n) => `              - { type: postback, title: B${n}, payload: p }\n`).join('');
  const cases: [string, { given: string; want: Want }][] = [
    [
      'a message that is no BotMessage',
      { given: definition('      - { type: text, text: "" }\n'), want: { path: 'states.a.messages[0].text', message: 'must NOT have fewer than 1 characters', line: 6 } },
    ],
    [
      'a message of an unknown type',
      {
        given: definition('      - { type: txt, text: hi }\n'),
        want: { path: 'states.a.messages[0].type', message: 'must be one of "text", "buttons", "quick_replies", "carousel", "list", "media"', line: 6 },
      },
    ],
    [
      'a button missing what its type needs, reported for that type only',
      {
        given: definition(
          '      - type: buttons\n        attachment:\n          type: template\n          payload:\n            template_type: button\n            text: pick\n            buttons:\n              - { type: web_url, title: Site }\n',
        ),
        want: { path: 'states.a.messages[0].attachment.payload.buttons[0].url', message: 'is required', line: 13 },
      },
    ],
    [
      'four buttons',
      {
        given: definition(
          `      - type: buttons\n        attachment:\n          type: template\n          payload:\n            template_type: button\n            text: pick\n            buttons:\n${fourButtons}`,
          'postbacks: { p: a }\n',
        ),
        want: { path: 'states.a.messages[0].attachment.payload.buttons', message: 'must NOT have more than 3 items', line: 14 },
      },
    ],
    [
      'a transition to an unknown state',
      {
        given: definition('      - { type: text, text: hi }\n', 'postbacks:\n  go: nowhere\n'),
        want: { path: 'postbacks.go', message: "leads to unknown state 'nowhere'", line: 4 },
      },
    ],
    [
      'a next state that does not exist',
      { given: `${definition('      - { type: text, text: hi }\n')}    next: b\n`, want: { path: 'states.a.next', message: "leads to unknown state 'b'", line: 7 } },
    ],
    [
      'an invalid regular expression',
      {
        given: definition('      - { type: text, text: hi }\n', "intents:\n  - keywords: [x]\n    patterns: ['ok', '(unclosed']\n    goto: a\n"),
        want: { path: 'intents[0].patterns[1]', message: 'is not a valid regular expression: /(unclosed/iu: Unterminated group', line: 5 },
      },
    ],
    [
      'a YAML syntax error',
      { given: 'intro: a\nfallback: [a\nstates: {}\n', want: { path: '', message: 'invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]', line: 3 } },
    ],
    [
      'a duplicate key',
      { given: 'intro: a\nintro: b\nfallback: a\nstates: {}\n', want: { path: '', message: 'invalid YAML: Map keys must be unique', line: 2 } },
    ],
    [
      'a misspelt property',
      { given: 'intro: a\nfallback: a\nstates:\n  a:\n    mesages: []\n', want: { path: 'states.a.messages', message: 'is required', line: 5 } },
    ],
    [
      'an unknown property, at its key',
      { given: `${definition('      - { type: text, text: hi }\n')}    nxt: a\n`, want: { path: 'states.a.nxt', message: 'is not allowed here', line: 7 } },
    ],
    [
      'a state name that could not be stored',
      {
        given: 'intro: a\nfallback: a\nstates:\n  a: { messages: [{ type: text, text: hi }] }\n  "a b": { messages: [{ type: text, text: hi }] }\n',
        want: { path: 'states["a b"]', message: 'name must match pattern "^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"', line: 5 },
      },
    ],
    [
      'a variable name the session could not keep',
      {
        given: `${definition('      - { type: text, text: hi }\n')}    expect: { text: { capture: 1st, goto: a } }\n`,
        want: { path: 'states.a.expect.text.capture', message: 'must match pattern "^[A-Za-z_][A-Za-z0-9_.]{0,63}$"', line: 7 },
      },
    ],
    [
      'an intent with nothing to match',
      { given: definition('      - { type: text, text: hi }\n', 'intents:\n  - { goto: a }\n'), want: { path: 'intents[0]', message: 'needs keywords or patterns', line: 4 } },
    ],
    [
      'a keyword of punctuation only',
      { given: definition('      - { type: text, text: hi }\n', 'intents:\n  - { keywords: ["?"], goto: a }\n'), want: { path: 'intents[0].keywords[0]', message: 'has no letter or digit to match', line: 4 } },
    ],
    [
      'a text that is empty when its variable is',
      {
        given: definition('      - { type: text, text: "{{name}}" }\n'),
        want: { path: 'states.a.messages[0].text', message: 'must NOT have fewer than 1 characters (with its placeholders empty or at their defaults)', line: 6 },
      },
    ],
    [
      'a URL that is no URL without its variable',
      {
        given: definition('      - { type: media, attachment: { type: image, payload: { url: "{{link}}" } } }\n'),
        want: { path: 'states.a.messages[0].attachment.payload.url', message: 'must match pattern "^https?://" (with its placeholders empty or at their defaults)', line: 6 },
      },
    ],
    [
      'a malformed placeholder',
      { given: definition('      - { type: text, text: "Hi {{first name}}" }\n'), want: { path: 'states.a.messages[0].text', message: 'has a malformed placeholder: write {{name}} or {{name|default}}', line: 6 } },
    ],
    [
      'a quick reply whose payload leads nowhere',
      {
        given: definition('      - { type: quick_replies, text: pick, quick_replies: [{ content_type: text, title: X, payload: go-x }] }\n'),
        want: { path: 'states.a.messages[0].quick_replies[0].payload', message: "'go-x' leads nowhere: map it in postbacks", line: 6 },
      },
    ],
    [
      'states that continue into each other forever',
      {
        given: `${definition('      - { type: text, text: hi }\n')}    next: b\n  b:\n    messages: [{ type: text, text: hi }]\n    next: a\n`,
        want: { path: 'states.a.next', message: 'makes an endless loop: a → b → a', line: 7 },
      },
    ],
    [
      'a state that waits for an answer but moves on at once',
      {
        given: `${definition('      - { type: text, text: hi }\n')}    next: b\n    expect: { text: { goto: b } }\n  b:\n    messages: [{ type: text, text: hi }]\n`,
        want: { path: 'states.a.expect', message: "never applies: the state moves on to 'b' at once", line: 8 },
      },
    ],
  ];
  it.each(cases)('refuses %s, naming the file, the path and the line', (_name, { given, want }) => {
    const error = errorOf(given);
    expect({ file: error.file, path: error.path, message: error.problems[0].message, line: error.line }).toEqual({ file: 'bots/broken.yaml', ...want });
    const where = `bots/broken.yaml:${want.line}:${error.column}`;
    expect(error.message.split('\n')[0]).toBe(want.path === '' ? `${where}: ${want.message}` : `${where}: ${want.path}: ${want.message}`);
  });

  it('refuses YAML whose aliases expand into too much, as a resource exhaustion attack would', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]'];
    const error = errorOf(`${levels.join('\n')}\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n`);
    expect(error.message).toBe('bots/broken.yaml: invalid YAML: Excessive alias count indicates a resource exhaustion attack');
  });

  it('lists every mistake it finds, not only the first', () => {
    const error = errorOf(`${definition('      - { type: text, text: "" }\n', 'postbacks: { go: nowhere }\n')}    next: nowhere\n`);
    expect(error.problems.map((p) => p.path)).toEqual(['states.a.messages[0].text', 'postbacks.go', 'states.a.next']);
    expect(error.message.split('\n')).toHaveLength(3);
  });
});
