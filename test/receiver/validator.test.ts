/**
 * The kit's compiled validator is the spec's BotMessageEvent schema: generated from it, kept in
 * step with it, and in agreement with the contract helper on valid and invalid bodies.
 */
import { describe, expect, it } from 'vitest';
import { readCommittedValidator, renderValidator } from '../../spec/render-validator.js';
import { botMessageEventErrors, isBotMessageEvent } from '../../client/receiver/index.js';
import { resolve, spec, validatorAt } from '../support/contract.js';

const examples = Object.entries<any>(spec.webhooks.botMessage.post.requestBody.content['application/json'].examples).map(
  ([name, example]) => [name, resolve(example, '').node.value] as const,
);
const text = examples.find(([, e]) => e.message.type === 'text')![1];
const buttons = examples.find(([, e]) => e.message.type === 'buttons')![1];
const carousel = examples.find(([, e]) => e.message.type === 'carousel')![1];

const invalid: [string, unknown][] = [
  ['a non-object body', 'hello'],
  ['null', null],
  ['an empty object', {}],
  ['a body without messageCounter', (({ messageCounter: _, ...rest }) => rest)(text)],
  ['an empty senderId', { ...text, senderId: '', recipient: { id: '' } }],
  ['a senderId of 129 characters', { ...text, senderId: 'x'.repeat(129), recipient: { id: 'x'.repeat(129) } }],
  ['a verifyToken of null (absent, never null, when the channel has none)', { ...text, verifyToken: null }],
  ['a messageCounter of 0', { ...text, messageCounter: 0 }],
  ['a fractional messageCounter', { ...text, messageCounter: 1.5 }],
  ['a timestamp that is not a date-time', { ...text, timestamp: 'yesterday' }],
  ['an impossible date', { ...text, timestamp: '2026-02-30T10:00:00Z' }],
  ['an unknown message type', { ...text, message: { type: 'video', url: 'https://x.example/v.mp4' } }],
  ['an empty text', { ...text, message: { type: 'text', text: '' } }],
  ['an extra property in a message', { ...text, message: { type: 'text', text: 'hi', color: 'red' } }],
  ['a botId with a space', { ...text, botId: 'my bot' }],
  ['four buttons', { ...buttons, message: { ...buttons.message, attachment: { ...buttons.message.attachment, payload: { ...buttons.message.attachment.payload, buttons: [...buttons.message.attachment.payload.buttons, buttons.message.attachment.payload.buttons[0]] } } } }],
  ['a button title over 20 characters', JSON.parse(JSON.stringify(buttons).replace('"English"', '"A title far longer than twenty"'))],
  ['a card image URL that is not http(s)', JSON.parse(JSON.stringify(carousel).replace('https://cdn.example.com/shop/tshirt.png', 'ftp://cdn.example.com/tshirt.png'))],
  ['a card URL with a space', JSON.parse(JSON.stringify(carousel).replace('https://shop.example.com/hoodie', 'https://shop.example.com/my hoodie'))],
  ['a text of 2001 characters', { ...text, message: { type: 'text', text: 'x'.repeat(2001) } }],
];
const valid: [string, unknown][] = [
  ...examples.map(([name, e]) => [`the spec's ${name} example`, e] as [string, unknown]),
  ['a text of 2000 astral characters (counted as code points)', { ...text, message: { type: 'text', text: '😀'.repeat(2000) } }],
  ['extra top-level properties (the event is open to additions)', { ...text, conversationId: 'cnv_1' }],
  ['a body without verifyToken (a channel configured without one)', (({ verifyToken: _, ...rest }) => rest)(text)],
  ["an 18-digit senderId (a chat's id, as the platform's sample bridge sends)", { ...text, senderId: '712345678901234567', recipient: { id: '712345678901234567' } }],
  ['a one-character senderId', { ...text, senderId: 'x', recipient: { id: 'x' } }],
];

describe('the generated BotMessageEvent validator', () => {
  it('is what the generator makes from spec/openapi.yaml today (run `npm run generate` if not)', async () => {
    expect(await readCommittedValidator()).toBe(await renderValidator());
  });

  const contract = validatorAt('/components/schemas/BotMessageEvent');

  it.each(valid)('accepts %s, as the contract does', (_name, body) => {
    expect(contract(body)).toBe(true);
    expect(botMessageEventErrors(body)).toEqual([]);
    expect(isBotMessageEvent(body)).toBe(true);
  });

  it.each(invalid)('refuses %s, as the contract does', (_name, body) => {
    expect(contract(body)).toBe(false);
    expect(isBotMessageEvent(body)).toBe(false);
    expect(botMessageEventErrors(body).length).toBeGreaterThan(0);
  });

  it('names failing fields the way the API names them', () => {
    expect(botMessageEventErrors((({ messageCounter: _, ...rest }) => rest)(text))).toContainEqual({
      location: 'body.messageCounter',
      message: 'is required',
    });
    const [first] = botMessageEventErrors(JSON.parse(JSON.stringify(buttons).replace('"English"', '"A title far longer than twenty"')));
    expect(first).toEqual({ location: 'body.message.attachment.payload.buttons.0.title', message: 'must NOT have more than 20 characters' });
  });
});
