import { describe, expect, it } from 'vitest';
import { parseBotDefinition } from '../../server/bot/definition.js';
import { runTurn } from '../../server/bot/engine.js';
import { converse, SENDER_ID, textsOf } from './conversation.js';

// A small bot where each state says its own name, so each test reads where the conversation went.
const bot = parseBotDefinition(
  'test',
  `
intro: hello
fallback: sorry
postbacks:
  go-menu: menu
  go-ask: ask
  go-profile: profile
  shared: menu
intents:
  - keywords: [menu, main menu]
    goto: menu
  - patterns: ['^i live in (?<city>\\p{L}+)(?: since (?<year>\\d{4}))?$']
    goto: city
location: { capture: where, goto: located }
attachment: { capture: file, goto: received }
states:
  hello:
    messages: [{ type: text, text: "hello {{firstName|stranger}}" }]
    next: menu
  menu:
    messages:
      - type: quick_replies
        text: menu
        quick_replies:
          - { content_type: text, title: Ask, payload: go-ask }
          - { content_type: text, title: "Yes", payload: "yes" }
          - { content_type: text, title: Shared, payload: shared }
    postbacks: { "yes": agreed, shared: agreed }
  agreed:
    messages: [{ type: text, text: agreed }]
  ask:
    messages: [{ type: text, text: ask }]
    expect:
      text: { capture: name, goto: named }
      location: { capture: home, goto: home-set }
  named:
    messages: [{ type: text, text: "named {{name}}" }]
  home-set:
    messages: [{ type: text, text: "home {{home.lat}} {{home.long}}" }]
  city:
    messages: [{ type: text, text: "city {{city}} {{year|unknown}}" }]
  located:
    messages: [{ type: text, text: "located {{where.lat}} {{where.long}}" }]
  received:
    messages: [{ type: text, text: "received {{file.type}} {{file.url}}" }]
  profile:
    messages: [{ type: text, text: "profile {{firstName}} {{lastName}} {{preferredLanguage}} {{plan}} {{address.zipCode}}" }]
  sorry:
    messages: [{ type: text, text: sorry }]
`,
  'test.yaml',
);

describe('intro', () => {
  it('answers an intro with the intro state and the states it continues to, marked as intro', () => {
    const turn = converse(bot).send({ type: 'intro' });
    expect(textsOf(turn)).toEqual(['hello stranger', 'menu']);
    expect(turn).toMatchObject({ state: 'menu', isIntro: true });
  });

  it("greets with the sender's first name when it is given", () => {
    const turn = converse(bot, { firstName: 'Ada' }).send({ type: 'intro' });
    expect(textsOf(turn)[0]).toBe('hello Ada');
  });

  it('answers a first message it does not understand with the intro, not the fallback', () => {
    const turn = converse(bot).say('what is this?');
    expect(textsOf(turn)).toEqual(['hello stranger', 'menu']);
    expect(turn.isIntro).toBe(true);
  });

  it('answers a first message it understands directly', () => {
    const turn = converse(bot).say('main menu');
    expect(textsOf(turn)).toEqual(['menu']);
    expect(turn.isIntro).toBe(false);
  });

  it('starts over when the conversation is in a state the bot no longer has', () => {
    const turn = runTurn(bot, { state: 'removed-state', variables: {} }, { sender: { id: SENDER_ID }, message: { type: 'text', text: '?' } });
    expect(turn).toMatchObject({ state: 'menu', isIntro: true });
  });
});

describe('postbacks and quick replies', () => {
  it('follows a postback to the state its payload is mapped to', () => {
    const chat = converse(bot);
    chat.send({ type: 'intro' });
    expect(textsOf(chat.click('go-ask'))).toEqual(['ask']);
    expect(chat.state.state).toBe('ask');
  });

  it("follows a state's own payloads only while the conversation is in that state", () => {
    const chat = converse(bot);
    chat.send({ type: 'intro' });
    expect(textsOf(chat.click('yes'))).toEqual(['agreed']);
    expect(textsOf(chat.click('yes'))).toEqual(['sorry']);
  });

  it("prefers the current state's mapping of a payload to the bot-wide one", () => {
    const chat = converse(bot);
    chat.send({ type: 'intro' });
    expect(textsOf(chat.click('shared'))).toEqual(['agreed']);
    expect(textsOf(chat.click('shared'))).toEqual(['menu']);
  });

  it('treats a text equal to a payload as a click on it, as the legacy endpoint sends clicks', () => {
    const chat = converse(bot);
    chat.send({ type: 'intro' });
    expect(textsOf(chat.say('go-ask'))).toEqual(['ask']);
    expect(textsOf(chat.say('go-menu'))).toEqual(['menu']);
  });

  it('answers an unknown payload with the fallback', () => {
    const chat = converse(bot);
    chat.send({ type: 'intro' });
    expect(textsOf(chat.click('no-such-payload'))).toEqual(['sorry']);
  });
});

describe('intents', () => {
  it('recognises a keyword as a whole word or phrase of the text, whatever its case and punctuation', () => {
    const chat = converse(bot);
    chat.send({ type: 'intro' });
    expect(textsOf(chat.say('Show me the MAIN-MENU, please!'))).toEqual(['menu']);
    expect(textsOf(chat.say('menus'))).toEqual(['sorry']);
  });

  it('recognises a regular expression and keeps its named groups as variables', () => {
    const chat = converse(bot);
    chat.send({ type: 'intro' });
    expect(textsOf(chat.say('I live in Antwerpen since 2001'))).toEqual(['city Antwerpen 2001']);
    expect(chat.state.variables).toMatchObject({ city: 'Antwerpen', year: '2001' });
    expect(textsOf(chat.say('i live in Gent'))).toEqual(['city Gent 2001']);
  });
});

describe('captured variables', () => {
  it('captures the text a state asks for, before trying intents', () => {
    const chat = converse(bot);
    chat.send({ type: 'intro' });
    chat.click('go-ask');
    expect(textsOf(chat.say('  menu  '))).toEqual(['named menu']);
    expect(chat.state.variables.name).toBe('menu');
  });

  it('lets a click leave a state that waits for text', () => {
    const chat = converse(bot);
    chat.send({ type: 'intro' });
    chat.click('go-ask');
    expect(textsOf(chat.say('go-menu'))).toEqual(['menu']);
    expect(chat.state.variables).not.toHaveProperty('name');
  });

  it('captures a shared location as lat and long', () => {
    const chat = converse(bot);
    chat.send({ type: 'intro' });
    const turn = chat.send({ type: 'location', coordinates: { lat: 51.2194, long: 4.4025 } });
    expect(textsOf(turn)).toEqual(['located 51.2194 4.4025']);
    expect(chat.state.variables.where).toEqual({ lat: 51.2194, long: 4.4025 });
  });

  it("uses the state's own reaction to a location over the bot-wide one", () => {
    const chat = converse(bot);
    chat.send({ type: 'intro' });
    chat.click('go-ask');
    const turn = chat.send({ type: 'location', coordinates: { lat: -33.9, long: 18.4 } });
    expect(textsOf(turn)).toEqual(['home -33.9 18.4']);
  });

  it("captures an attachment's type and url", () => {
    const chat = converse(bot);
    chat.send({ type: 'intro' });
    const turn = chat.send({ type: 'attachment', attachment: { type: 'file', url: 'https://cdn.example.com/uploads/receipt.pdf' } });
    expect(textsOf(turn)).toEqual(['received file https://cdn.example.com/uploads/receipt.pdf']);
  });

  it('keeps the sender\'s names, its locale\'s language as preferredLanguage, and sessionData, flat dotted keys included', () => {
    const turn = runTurn(
      bot,
      { state: null, variables: { plan: 'free' } },
      {
        sender: { id: SENDER_ID, firstName: 'Ada', lastName: 'Lovelace', locale: 'nl-BE' },
        message: { type: 'postback', payload: 'go-profile' },
        sessionData: { plan: 'premium', 'address.zipCode': '2000' },
      },
    );
    expect(textsOf(turn)).toEqual(['profile Ada Lovelace nl premium 2000']);
    expect(turn.variables).toEqual({ firstName: 'Ada', lastName: 'Lovelace', preferredLanguage: 'nl', plan: 'premium', 'address.zipCode': '2000' });
  });

  it('keeps the variables of earlier turns', () => {
    const chat = converse(bot);
    chat.send({ type: 'intro' }, { plan: 'premium' });
    chat.click('go-ask');
    chat.say('Ada');
    expect(chat.state.variables).toEqual({ plan: 'premium', name: 'Ada' });
  });
});

describe('fallback', () => {
  it('answers what it does not understand with the fallback, leaving the conversation where it was', () => {
    const chat = converse(bot);
    chat.send({ type: 'intro' });
    chat.click('go-ask');
    expect(textsOf(chat.click('nothing'))).toEqual(['sorry']);
    expect(chat.state.state).toBe('ask');
    expect(textsOf(chat.say('Grace'))).toEqual(['named Grace']);
  });

  it('answers a location or an attachment with the fallback when the bot has no reaction to it', () => {
    const quiet = parseBotDefinition(
      'quiet',
      'intro: hi\nfallback: sorry\nstates:\n  hi: { messages: [{ type: text, text: hi }] }\n  sorry: { messages: [{ type: text, text: sorry }] }\n',
      'quiet.yaml',
    );
    const chat = converse(quiet);
    chat.send({ type: 'intro' });
    expect(textsOf(chat.send({ type: 'location', coordinates: { lat: 1, long: 2 } }))).toEqual(['sorry']);
    expect(textsOf(chat.send({ type: 'attachment', attachment: { type: 'image', url: 'https://cdn.example.com/a.png' } }))).toEqual(['sorry']);
  });
});

describe('a turn', () => {
  it('is pure: it does not change the conversation it is given, and the same input gives the same turn', () => {
    const conversation = { state: 'menu', variables: { plan: 'premium', nested: { a: 1 } } };
    const frozen = structuredClone(conversation);
    const input = { sender: { id: SENDER_ID, firstName: 'Ada' }, message: { type: 'text', text: 'I live in Gent' } } as const;
    const first = runTurn(bot, conversation, input);
    expect(conversation).toEqual(frozen);
    expect(runTurn(bot, conversation, input)).toEqual(first);
  });

  it("cuts a value too long for its field to the spec's maxLength, with an ellipsis", () => {
    const turn = runTurn(bot, { state: 'ask', variables: {} }, { sender: { id: SENDER_ID }, message: { type: 'text', text: 'é'.repeat(4096) } });
    const [named] = textsOf(turn);
    expect(Array.from(named)).toHaveLength(2000);
    expect(named.endsWith('é…')).toBe(true);
  });
});
