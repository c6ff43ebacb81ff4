/**
 * The one Ajv-errors → { location, message } rule (contract/schema-errors.ts), through each of
 * the three places that use it: the API's 400 problems, the bot definitions and the receiver kit.
 * Issue 10, item 7: a message without `type` got six errors, one of them "text is not allowed here".
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { escapePointerSegment, locationOf, pointerOf, pointerSegments, valueAtPointer } from '../../contract/json-pointer.js';
import { botMessageEventErrors } from '../../client/receiver/index.js';
import { botMessageProblems } from '../../server/bot/spec-schemas.js';
import { createRequestValidator, type RequestValidator } from '../../server/http/request-validator.js';
import { loadSpecDocument } from '../../server/spec-document.js';
import { Problem } from '../../server/problem.js';
import { validatorAt } from '../support/contract.js';

const SENDER = 'a7355930-fa92-11e7-8308-2f056e75d1ee';
const USER_TYPES = '"text", "postback", "location", "attachment", "intro"';
const BOT_TYPES = '"text", "buttons", "quick_replies", "carousel", "list", "media"';

let validator: RequestValidator;
beforeAll(async () => {
  validator = await createRequestValidator(loadSpecDocument());
});

/** The API's answer to a send-message body: its problem's errors, or [] when it passes. */
function apiErrors(body: unknown): unknown[] {
  try {
    validator.validate('sendMessage', {
      method: 'POST',
      path: '/v1/bots/demo/channels/webhook/messages',
      headers: { 'content-type': 'application/json', authorization: 'Bearer t' },
      params: { botId: 'demo' },
      query: {},
      body,
    });
    return [];
  } catch (error) {
    if (!(error instanceof Problem)) throw error;
    return (error as unknown as { errors: unknown[] }).errors;
  }
}

const event = (message: unknown) => ({
  senderId: SENDER,
  recipient: { id: SENDER },
  botId: 'demo',
  messageId: 'msg_01JD8X3QA0Z9Y8X7W6V5T4S3R2',
  inReplyTo: 'msg_01JD8X3Q9V7K2M5N8P4R6T0W2Y',
  messageCounter: 1,
  timestamp: '2026-11-27T10:00:00.000Z',
  verifyToken: 'tok',
  message,
});

describe('a union value without its discriminator', () => {
  it('is told `type` is required, with the allowed types, and nothing else, by the API', () => {
    expect(apiErrors({ sender: { id: SENDER }, message: { text: 'hi' } })).toEqual([
      { location: 'body.message.type', message: `is required (one of ${USER_TYPES})` },
    ]);
  });

  it('is told the same by the bot definitions', () => {
    expect(botMessageProblems({ text: 'hi' })).toEqual([{ pointer: '/type', message: `is required (one of ${BOT_TYPES})` }]);
  });

  it('is told the same by the receiver kit', () => {
    expect(botMessageEventErrors(event({ text: 'hi' }))).toEqual([{ location: 'body.message.type', message: `is required (one of ${BOT_TYPES})` }]);
  });
});

describe('a union value with a type the spec does not have', () => {
  it.each([
    ['an unknown name', 'sticker'],
    ['a number', 3],
    ['null', null],
  ])('(%s) is told the allowed types, once, by all three', (_name, type) => {
    expect(apiErrors({ sender: { id: SENDER }, message: { type, text: 'hi' } })).toEqual([{ location: 'body.message.type', message: `must be one of ${USER_TYPES}` }]);
    expect(botMessageProblems({ type, text: 'hi' })).toEqual([{ pointer: '/type', message: `must be one of ${BOT_TYPES}` }]);
    expect(botMessageEventErrors(event({ type, text: 'hi' }))).toEqual([{ location: 'body.message.type', message: `must be one of ${BOT_TYPES}` }]);
  });
});

describe('a union value of a known type', () => {
  it("reports that type's errors only, never another branch's", () => {
    const errors = apiErrors({ sender: { id: SENDER }, message: { type: 'location', coordinates: { lat: 91 } } });
    expect(errors).toEqual(
      expect.arrayContaining([
        { location: 'body.message.coordinates.lat', message: 'must be <= 90' },
        { location: 'body.message.coordinates.long', message: 'is required' },
      ]),
    );
    expect(errors).toHaveLength(2);
  });

  it('reads a nested union (a button) by its own type, in the definitions and the kit alike', () => {
    const buttons = { type: 'buttons', attachment: { type: 'template', payload: { template_type: 'button', text: 'pick', buttons: [{ type: 'web_url', title: 'Site' }] } } };
    expect(botMessageProblems(buttons)).toEqual([{ pointer: '/attachment/payload/buttons/0/url', message: 'is required' }]);
    expect(botMessageEventErrors(event(buttons))).toEqual([{ location: 'body.message.attachment.payload.buttons.0.url', message: 'is required' }]);
    const noType = { ...buttons, attachment: { ...buttons.attachment, payload: { ...buttons.attachment.payload, buttons: [{ title: 'Site' }] } } };
    expect(botMessageProblems(noType)).toEqual([
      { pointer: '/attachment/payload/buttons/0/type', message: 'is required (one of "postback", "web_url", "phone_number", "element_share")' },
    ]);
  });

  it('names a property that does not belong at its key', () => {
    expect(apiErrors({ sender: { id: SENDER }, message: { type: 'text', text: 'hi', colour: 'red' } })).toEqual([
      { location: 'body.message.colour', message: 'is not allowed here' },
    ]);
  });
});

describe('a value that is not an object where a union is expected', () => {
  it('fails, instead of passing every branch unchecked', () => {
    const validate = validatorAt('/components/schemas/BotMessage');
    expect(validate('a string')).toBe(false);
    expect(botMessageProblems('a string')).toEqual([{ pointer: '', message: 'must be object' }]);
    expect(apiErrors({ sender: { id: SENDER }, message: 'hi' })).toEqual([{ location: 'body.message', message: 'must be object' }]);
  });
});

describe('JSON pointers', () => {
  it.each([
    ['the whole value', { pointer: '', segments: [] }],
    ['a nested key', { pointer: '/message/type', segments: ['message', 'type'] }],
    ['escaped characters', { pointer: '/a~1b/c~0d', segments: ['a/b', 'c~d'] }],
  ])('%s round-trips', (_name, { pointer, segments }) => {
    expect(pointerSegments(pointer)).toEqual(segments);
    expect(pointerOf(segments)).toBe(pointer);
  });

  it('finds values and names locations', () => {
    expect(valueAtPointer({ a: [{ 'b/c': 1 }] }, '/a/0/b~1c')).toBe(1);
    expect(valueAtPointer({ a: 1 }, '/a/b')).toBeUndefined();
    expect(valueAtPointer({}, '/constructor')).toBeUndefined();
    expect(locationOf('body', '/message/buttons/0/title')).toBe('body.message.buttons.0.title');
    expect(escapePointerSegment('~/')).toBe('~0~1');
  });
});
