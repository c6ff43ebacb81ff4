import { describe, expect, it } from 'vitest';
import type { components } from '../../spec/generated/api.js';
import { messageTemplate, placeholderProblems, renderMessage, renderString } from '../../server/bot/template.js';
import { assertSchema } from '../support/contract.js';

type BotMessage = components['schemas']['BotMessage'];

describe('renderString', () => {
  const variables = {
    firstName: 'Ada',
    empty: '',
    count: 3,
    yes: true,
    location: { lat: 51.2, long: 4.4 },
    'address.zipCode': '2000',
    address: { zipCode: 'shadowed', city: 'Antwerpen' },
    query: 'a&b c/é',
    broken: 'x\ud800y',
  };
  const cases: [string, { given: [template: string, inUrl?: boolean]; want: string }][] = [
    ['fills a variable', { given: ['Hi {{firstName}}!'], want: 'Hi Ada!' }],
    ['allows spaces inside the braces', { given: ['Hi {{ firstName }}!'], want: 'Hi Ada!' }],
    ['writes nothing for an unknown variable', { given: ['Hi {{nobody}}!'], want: 'Hi !' }],
    ['writes the default for an unknown variable', { given: ['Hi {{nobody|there}}!'], want: 'Hi there!' }],
    ['writes the default for an empty variable', { given: ['Hi {{empty|there}}!'], want: 'Hi there!' }],
    ['prefers the value to the default', { given: ['Hi {{firstName|there}}!'], want: 'Hi Ada!' }],
    ['writes numbers and booleans', { given: ['{{count}} {{yes}}'], want: '3 true' }],
    ['follows a dotted path into an object', { given: ['{{location.lat}},{{location.long}}'], want: '51.2,4.4' }],
    ['prefers a flat dotted key, as sessionData sends them', { given: ['{{address.zipCode}} {{address.city}}'], want: '2000 Antwerpen' }],
    ['writes an object as JSON', { given: ['{{location}}'], want: '{"lat":51.2,"long":4.4}' }],
    ['ignores inherited properties', { given: ['[{{constructor}}{{firstName.length}}]'], want: '[]' }],
    ['URI-encodes values in a URL', { given: ['https://example.com/?q={{query}}', true], want: 'https://example.com/?q=a%26b%20c%2F%C3%A9' }],
    ['does not encode the default in a URL, which the author wrote', { given: ['https://example.com/{{nobody|a/b}}', true], want: 'https://example.com/a/b' }],
    ['encodes a broken surrogate in a URL instead of throwing', { given: ['https://example.com/{{broken}}', true], want: 'https://example.com/x%EF%BF%BDy' }],
    ['leaves what is not a placeholder', { given: ['{{first name}} {firstName}'], want: '{{first name}} {firstName}' }],
  ];
  it.each(cases)('%s', (_name, { given: [template, inUrl], want }) => {
    expect(renderString(template, variables, inUrl)).toBe(want);
  });
});

describe('renderMessage', () => {
  const buttons = (text: string, url: string, phone = '+32 477 99 00 22'): BotMessage => ({
    type: 'buttons',
    attachment: {
      type: 'template',
      payload: {
        template_type: 'button',
        text,
        buttons: [
          { type: 'web_url', title: 'Open {{site|site}}', url },
          { type: 'postback', title: 'Go', payload: 'go-{{firstName}}' },
          { type: 'phone_number', title: 'Call', payload: phone },
        ],
      },
    },
  });

  it('fills every string but payloads, which must come back as written', () => {
    const rendered = renderMessage(messageTemplate(buttons('Hi {{firstName}}', 'https://example.com/{{firstName}}')), { firstName: 'Ada', site: 'shop' });
    assertSchema('BotMessage', rendered);
    expect(rendered).toEqual({
      type: 'buttons',
      attachment: {
        type: 'template',
        payload: {
          template_type: 'button',
          text: 'Hi Ada',
          buttons: [
            { type: 'web_url', title: 'Open shop', url: 'https://example.com/Ada' },
            { type: 'postback', title: 'Go', payload: 'go-{{firstName}}' },
            { type: 'phone_number', title: 'Call', payload: '+32 477 99 00 22' },
          ],
        },
      },
    });
  });

  it("cuts each field to the spec's maxLength, counting code points", () => {
    const rendered = renderMessage(messageTemplate(buttons('{{long}}', 'https://example.com/')), { long: '😀'.repeat(700), site: 'x'.repeat(30) });
    assertSchema('BotMessage', rendered);
    if (rendered.type !== 'buttons') throw new Error('expected buttons');
    expect(Array.from(rendered.attachment.payload.text)).toEqual([...Array(639).fill('😀'), '…']);
    expect(rendered.attachment.payload.buttons[0]).toMatchObject({ title: `Open ${'x'.repeat(14)}…` });
  });

  // Issue 10, item 14: a cut by code points split a flag (two regional indicators) or a skin tone from its emoji.
  it('cuts between user-perceived characters, never inside a flag or an emoji with its skin tone', () => {
    const rendered = renderMessage(messageTemplate(buttons('Hi', 'https://example.com/')), { site: `${'x'.repeat(13)}🇧🇪👋🏽` });
    if (rendered.type !== 'buttons') throw new Error('expected buttons');
    // "Open " + 13 x = 18 code points; the flag (2) would make 20 with no room for the ellipsis.
    expect(rendered.attachment.payload.buttons[0]).toMatchObject({ title: `Open ${'x'.repeat(13)}…` });
    const flagFits = renderMessage(messageTemplate(buttons('Hi', 'https://example.com/')), { site: `${'x'.repeat(12)}🇧🇪👋🏽` });
    if (flagFits.type !== 'buttons') throw new Error('expected buttons');
    expect(flagFits.attachment.payload.buttons[0]).toMatchObject({ title: `Open ${'x'.repeat(12)}🇧🇪…` });
  });

  it('sends the message with its placeholders at their defaults when a value would break it', () => {
    const template = messageTemplate(buttons('Hi {{firstName}}', '{{scheme|https}}://example.com/'));
    const rendered = renderMessage(template, { firstName: 'Ada', scheme: 'javascript:alert(1)//', site: 'shop' });
    assertSchema('BotMessage', rendered);
    expect(rendered).toEqual(template.minimal);
    expect(JSON.stringify(rendered)).toContain('"url":"https://example.com/"');
  });

  it('does not cut a URL, which could then lead elsewhere', () => {
    const template = messageTemplate(buttons('Hi', 'https://example.com/{{path}}'));
    const rendered = renderMessage(template, { path: 'a'.repeat(3000) });
    expect(rendered).toEqual(template.minimal);
  });

  it('gives a copy, so a caller changing it cannot change the bot', () => {
    const template = messageTemplate({ type: 'text', text: 'plain' });
    const rendered = renderMessage(template, {});
    if (rendered.type === 'text') rendered.text = 'changed';
    expect(renderMessage(template, {})).toEqual({ type: 'text', text: 'plain' });
  });
});

describe('placeholderProblems', () => {
  const cases: [string, { given: unknown; want: { pointer: string; message: string }[] }][] = [
    ['accepts well-formed placeholders', { given: { text: 'Hi {{firstName}} {{ plan | free }}' }, want: [] }],
    ['refuses a name with a space', { given: { text: 'Hi {{first name}}' }, want: [{ pointer: '/text', message: 'has a malformed placeholder: write {{name}} or {{name|default}}' }] }],
    ['refuses unbalanced braces', { given: { items: [{ title: 'Hi {{firstName}' }] }, want: [{ pointer: '/items/0/title', message: 'has a malformed placeholder: write {{name}} or {{name|default}}' }] }],
    ['refuses a placeholder in a payload', { given: { payload: 'go-{{x}}' }, want: [{ pointer: '/payload', message: 'is sent back as written, so it cannot hold a placeholder' }] }],
  ];
  it.each(cases)('%s', (_name, { given, want }) => {
    expect(placeholderProblems(given)).toEqual(want);
  });
});
