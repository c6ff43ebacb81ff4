/**
 * The platform's message body → the native request (issue 9): every message kind and both user
 * forms, as a table. Each given body is first checked against the spec's ChannelMessageRequest
 * and each result against SendMessageRequest, so the table cannot drift from the contract.
 */
import { describe, expect, it } from 'vitest';
import type { components } from '../../spec/generated/api.js';
import { nativeRequestOf } from '../../server/channel/platform-message.js';
import { Problem } from '../../server/problem.js';
import { assertSchema } from '../support/contract.js';

type Schemas = components['schemas'];
const CHAT_ID = '712345678901234567';
const UUID = '3f2b8c1e-9d4a-4e7b-8f6a-1c2d3e4f5a6b';

const cases: [string, { given: Schemas['ChannelMessageRequest']; want: Schemas['SendMessageRequest'] }][] = [
  [
    'text from a chat bridge, with the user and dotted sessionData',
    {
      given: { message: { textMessage: { text: 'hi' } }, user: { id: CHAT_ID, firstName: 'Ada', lastName: 'Lovelace', preferredLanguage: 'en' }, sessionData: { channelId: CHAT_ID, 'address.zipCode': '2000' } },
      want: { sender: { id: CHAT_ID, firstName: 'Ada', lastName: 'Lovelace', locale: 'en' }, message: { type: 'text', text: 'hi' }, sessionData: { channelId: CHAT_ID, 'address.zipCode': '2000' } },
    },
  ],
  ['text from a testing tool, the user as conversationId', { given: { conversationId: UUID, message: { textMessage: { text: 'menu' } } }, want: { sender: { id: UUID }, message: { type: 'text', text: 'menu' } } }],
  ['an intro', { given: { conversationId: UUID, message: { introMessage: {} } }, want: { sender: { id: UUID }, message: { type: 'intro' } } }],
  ['an intro with the user', { given: { user: { id: CHAT_ID }, message: { introMessage: {} } }, want: { sender: { id: CHAT_ID }, message: { type: 'intro' } } }],
  ['a postback by title only', { given: { conversationId: UUID, message: { postbackMessage: { title: 'Carousel' } } }, want: { sender: { id: UUID }, message: { type: 'postback', title: 'Carousel' } } }],
  ['a postback by payload', { given: { user: { id: CHAT_ID }, message: { postbackMessage: { payload: 'show-list', title: 'List' } } }, want: { sender: { id: CHAT_ID }, message: { type: 'postback', payload: 'show-list', title: 'List' } } }],
  [
    'a postback with a state id and sessionDataToSet as a list',
    {
      given: { conversationId: UUID, message: { postbackMessage: { title: 'English', nextDialogstateId: 'menu', sessionDataToSet: [{ key: 'language', value: 'en' }, { key: 'address.city', value: 'Antwerp' }] } } },
      want: { sender: { id: UUID }, message: { type: 'postback', title: 'English', nextDialogstateId: 'menu' }, sessionData: { language: 'en', 'address.city': 'Antwerp' } },
    },
  ],
  [
    'sessionDataToSet as an object, after sessionData (the click wins)',
    {
      given: { conversationId: UUID, sessionData: { language: 'nl', plan: 'free' }, message: { postbackMessage: { title: 'English', sessionDataToSet: { language: 'en' } } } },
      want: { sender: { id: UUID }, message: { type: 'postback', title: 'English' }, sessionData: { language: 'en', plan: 'free' } },
    },
  ],
  ['both user forms naming the same user', { given: { conversationId: CHAT_ID, user: { id: CHAT_ID }, message: { textMessage: { text: 'hi' } } }, want: { sender: { id: CHAT_ID }, message: { type: 'text', text: 'hi' } } }],
];

describe('nativeRequestOf', () => {
  it.each(cases)('maps %s', (_name, { given, want }) => {
    assertSchema('ChannelMessageRequest', given);
    const got = nativeRequestOf(given);
    expect(got).toEqual(want);
    assertSchema('SendMessageRequest', got);
  });

  it.each([
    ['no user at all', { message: { textMessage: { text: 'hi' } } }, { location: 'body.user', message: 'is required (or body.conversationId)' }],
    ['two different users', { conversationId: UUID, user: { id: CHAT_ID }, message: { textMessage: { text: 'hi' } } }, { location: 'body.conversationId', message: 'must be body.user.id when both are sent' }],
  ] as const)('refuses %s with a 400 naming the field', (_name, given, error) => {
    let thrown: unknown;
    try {
      nativeRequestOf(given as Schemas['ChannelMessageRequest']);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(Problem);
    expect((thrown as Problem).status).toBe(400);
    expect((thrown as Problem).errors).toEqual([error]);
  });
});
