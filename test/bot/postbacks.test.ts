/**
 * Postbacks resolve as the platform's do (issue 9): a state id, variables, a payload, a title
 * that clicks among the latest bot messages, and a title that matches nothing (typed text).
 * Also `nlp`: present when a named intent matched, absent otherwise.
 */
import { describe, expect, it } from 'vitest';
import type { components } from '../../spec/generated/api.js';
import { parseBotDefinition } from '../../server/bot/definition.js';
import { needsLatestBotMessages, payloadOfTitle, runTurn, type ConversationState } from '../../server/bot/engine.js';
import { assertSchema } from '../support/contract.js';

type Schemas = components['schemas'];

// Each state says its own name, so each row reads where the conversation went.
const bot = parseBotDefinition(
  'postbacks',
  `
intro: menu
fallback: sorry
postbacks:
  go-list: list
  go-shop: shop
intents:
  - name: greeting
    keywords: [hello]
    goto: menu
  - keywords: [shop]
    goto: shop
states:
  menu:
    messages:
      - type: quick_replies
        text: menu
        quick_replies:
          - { content_type: text, title: List, payload: go-list }
          - { content_type: text, title: Hello there, payload: go-shop }
  list:
    messages:
      - type: buttons
        attachment:
          type: template
          payload:
            template_type: button
            text: list
            buttons:
              - { type: postback, title: Shop, payload: go-shop }
              - { type: web_url, title: Site, url: "https://www.example.com" }
  shop:
    messages: [{ type: text, text: shop }]
  sorry:
    messages: [{ type: text, text: sorry }]
`,
  'postbacks.yaml',
);

// The conversation has just been shown the menu: its quick replies are the latest bot messages.
const menuShown = runTurn(bot, { state: null, variables: {} }, { sender: { id: 'u' }, message: { type: 'intro' } });
const inMenu: ConversationState = { state: menuShown.state, variables: {} };
const latest = menuShown.messages;

const nameOf = (messages: Schemas['BotMessage'][]): string => {
  const [first] = messages;
  if (first?.type === 'text' || first?.type === 'quick_replies') return first.text;
  if (first?.type === 'buttons') return first.attachment.payload.text;
  return '?';
};

const cases: [string, { given: { message: Schemas['UserMessage']; sessionData?: Schemas['SessionVariables'] }; want: { state: string; variables?: Record<string, unknown>; nlp?: string } }][] = [
  ['a state id of the bot goes to that state', { given: { message: { type: 'postback', nextDialogstateId: 'shop' } }, want: { state: 'shop' } }],
  ['a state id wins over the payload and the title', { given: { message: { type: 'postback', nextDialogstateId: 'shop', payload: 'go-list', title: 'List' } }, want: { state: 'shop' } }],
  ['a state id the bot does not have falls back to the payload', { given: { message: { type: 'postback', nextDialogstateId: '3050', payload: 'go-list' } }, want: { state: 'list' } }],
  ['a state id the bot does not have, alone, gets the fallback', { given: { message: { type: 'postback', nextDialogstateId: 'a6a3f0' } }, want: { state: 'sorry' } }],
  ['a payload acts as the native postback', { given: { message: { type: 'postback', payload: 'go-list', title: 'Anything' } }, want: { state: 'list' } }],
  [
    'variables from sessionData (the mapped sessionDataToSet), dotted keys as given',
    { given: { message: { type: 'postback', nextDialogstateId: 'shop' }, sessionData: { language: 'en', 'address.zipCode': '2000' } }, want: { state: 'shop', variables: { language: 'en', 'address.zipCode': '2000' } } },
  ],
  ['a title alone clicks the quick reply of that title', { given: { message: { type: 'postback', title: 'List' } }, want: { state: 'list' } }],
  ['a title matches ignoring case and spaces', { given: { message: { type: 'postback', title: '  list ' } }, want: { state: 'list' } }],
  ['a title that matches a quick reply wins over an intent in it', { given: { message: { type: 'postback', title: 'Hello there' } }, want: { state: 'shop' } }],
  ['a title that matches nothing is typed text (an intent)', { given: { message: { type: 'postback', title: 'shop please' } }, want: { state: 'shop' } }],
  ['a title that matches nothing, nor an intent, gets the fallback', { given: { message: { type: 'postback', title: 'Unknown' } }, want: { state: 'sorry' } }],
  ['typed text that matches a named intent carries nlp', { given: { message: { type: 'text', text: 'hello' } }, want: { state: 'menu', nlp: 'greeting' } }],
  ['a title read as text carries the nlp of its intent', { given: { message: { type: 'postback', title: 'Hello!' } }, want: { state: 'menu', nlp: 'greeting' } }],
];

describe('postback resolution', () => {
  it.each(cases)('%s', (_name, { given, want }) => {
    assertSchema('UserMessage', given.message);
    const turn = runTurn(bot, inMenu, { sender: { id: 'u' }, message: given.message, ...(given.sessionData && { sessionData: given.sessionData }), latestBotMessages: latest });
    expect(nameOf(turn.messages)).toBe(want.state);
    if (want.variables) expect(turn.variables).toMatchObject(want.variables);
    if (want.nlp) expect(turn.nlp).toEqual({ intent: { name: want.nlp, score: 1 } });
    else expect(turn).not.toHaveProperty('nlp');
    if (turn.nlp) assertSchema('Nlp', turn.nlp);
  });

  it('has no nlp for an intent without a name', () => {
    const turn = runTurn(bot, inMenu, { sender: { id: 'u' }, message: { type: 'text', text: 'shop' } });
    expect(nameOf(turn.messages)).toBe('shop');
    expect(turn).not.toHaveProperty('nlp');
  });

  it('clicks among buttons too, the newest message first', () => {
    const listShown = runTurn(bot, inMenu, { sender: { id: 'u' }, message: { type: 'postback', payload: 'go-list' } }).messages;
    expect(payloadOfTitle([...latest, ...listShown], 'shop')).toBe('go-shop');
    expect(payloadOfTitle(listShown, 'Site')).toBeUndefined();
    expect(payloadOfTitle([], 'List')).toBeUndefined();
  });

  it.each([
    ['a title alone', { type: 'postback', title: 'List' }, true],
    ['a title with a payload', { type: 'postback', title: 'List', payload: 'go-list' }, false],
    ['a title with a state id of the bot', { type: 'postback', title: 'List', nextDialogstateId: 'shop' }, false],
    ['a title with a state id the bot does not have', { type: 'postback', title: 'List', nextDialogstateId: '3050' }, true],
    ['a text', { type: 'text', text: 'List' }, false],
  ] as const)('reads the latest bot messages only for %s', (_name, message, needed) => {
    expect(needsLatestBotMessages(bot, message as Schemas['UserMessage'])).toBe(needed);
  });
});
