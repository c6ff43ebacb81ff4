import { beforeAll, describe, expect, it } from 'vitest';
import type { components } from '../../spec/generated/api.js';
import { loadBotDefinitions, type BotDefinition } from '../../server/bot/definition.js';
import { type BotTurn } from '../../server/bot/engine.js';
import { spec } from '../support/contract.js';
import { converse, textsOf, type Conversation } from './conversation.js';

type Schemas = components['schemas'];
type BotMessage = Schemas['BotMessage'];

let demo: BotDefinition;
beforeAll(async () => {
  demo = (await loadBotDefinitions(new URL('../../bots', import.meta.url).pathname)).get('demo')!;
});

/** A conversation with the demo bot that has already had its intro. */
function started(sender: Partial<Schemas['Sender']> = {}): Conversation {
  const chat = converse(demo, sender);
  chat.send({ type: 'intro' });
  return chat;
}

function typesOf(turn: BotTurn): string[] {
  return turn.messages.map((m) => m.type);
}

/** Everything a newcomer can reach: each menu entry, then each click those answers offer. */
function tour(): BotMessage[] {
  const chat = started({ firstName: 'Ada', locale: 'en' });
  const seen: BotMessage[] = [];
  const menu = chat.say('menu').messages[0];
  if (menu.type !== 'quick_replies') throw new Error('the menu should be quick replies');
  for (const { payload } of menu.quick_replies) seen.push(...chat.click(payload).messages);
  seen.push(...chat.send({ type: 'location', coordinates: { lat: 51.2194, long: 4.4025 } }).messages);
  return seen;
}

describe('the demo bot', () => {
  it("shows every bot message type of the spec, each valid against BotMessage", () => {
    const specTypes = Object.keys(spec.components.schemas.BotMessage.discriminator.mapping);
    expect(new Set(tour().map((m) => m.type))).toEqual(new Set(specTypes));
  });

  it('shows every kind of media and every kind of button', () => {
    const messages = tour();
    const mediaKinds = messages.flatMap((m) => (m.type === 'media' ? [m.attachment.type] : []));
    expect(new Set(mediaKinds)).toEqual(new Set(spec.components.schemas.MediaType.enum));
    const buttonTypes = JSON.stringify(messages).match(/"type":"(postback|web_url|phone_number|element_share)"/g) ?? [];
    expect(new Set(buttonTypes)).toEqual(new Set(Object.keys(spec.components.schemas.Button.discriminator.mapping).map((t) => `"type":"${t}"`)));
  });

  it('shows a quick reply with an image, a carousel of several cards, and a list with a button below', () => {
    const messages = tour();
    expect(messages.some((m) => m.type === 'quick_replies' && m.quick_replies.some((q) => q.image_url))).toBe(true);
    const carousel = messages.find((m) => m.type === 'carousel');
    expect(carousel?.type === 'carousel' && carousel.attachment.payload.elements.length).toBeGreaterThan(1);
    const list = messages.find((m) => m.type === 'list');
    expect(list?.type === 'list' && list.attachment.payload.buttons).toHaveLength(1);
  });

  it('answers every user message type of the spec', () => {
    const samples: Record<string, Schemas['UserMessage']> = {
      text: { type: 'text', text: 'hello' },
      postback: { type: 'postback', payload: 'show-list', title: 'List' },
      location: { type: 'location', coordinates: { lat: 51.2194, long: 4.4025 } },
      attachment: { type: 'attachment', attachment: { type: 'image', url: 'https://cdn.example.com/uploads/receipt.png' } },
      intro: { type: 'intro' },
    };
    expect(Object.keys(samples).sort()).toEqual(Object.keys(spec.components.schemas.UserMessage.discriminator.mapping).sort());
    for (const message of Object.values(samples)) {
      expect(converse(demo).send(message).messages.length).toBeGreaterThan(0);
      expect(started().send(message).messages.length).toBeGreaterThan(0);
    }
  });

  it("answers the spec's own examples of sendMessage", () => {
    for (const ref of Object.values<{ $ref: string }>(spec.paths['/v1/bots/{botId}/channels/webhook/messages'].post.requestBody.content['application/json'].examples)) {
      const { sender, message, sessionData } = spec.components.examples[ref.$ref.split('/').pop()!].value;
      const turn = converse(demo, sender).send(message, sessionData);
      expect(turn.messages.length).toBeGreaterThan(0);
    }
  });
});

describe('a conversation with the demo bot', () => {
  it("greets the user by first name on intro, then shows the menu", () => {
    const turn = converse(demo, { firstName: 'Ada' }).send({ type: 'intro' });
    expect(textsOf(turn)[0]).toBe("Hi Ada! I'm the demo bot of the Webhook channel.");
    expect(typesOf(turn).at(-1)).toBe('quick_replies');
    expect(turn).toMatchObject({ state: 'menu', isIntro: true });
  });

  it('greets without a name when the sender gives none', () => {
    expect(textsOf(converse(demo).send({ type: 'intro' }))[0]).toBe("Hi there! I'm the demo bot of the Webhook channel.");
  });

  const typed: [string, { given: string; want: string[] }][] = [
    ['hi', { given: 'Hi!', want: ['text', 'text', 'quick_replies'] }],
    ['good morning', { given: 'Good morning', want: ['text', 'text', 'quick_replies'] }],
    ['menu', { given: 'menu', want: ['quick_replies'] }],
    ['buttons', { given: 'show me buttons', want: ['buttons'] }],
    ['carousel', { given: 'Carousel please', want: ['carousel', 'quick_replies'] }],
    ['list', { given: 'a list', want: ['list'] }],
    ['media', { given: 'media', want: ['text', 'media', 'media', 'media', 'media', 'quick_replies'] }],
    ['quick replies', { given: 'Quick replies?', want: ['quick_replies'] }],
    ['text', { given: 'text', want: ['text', 'quick_replies'] }],
    ['help', { given: 'help', want: ['text', 'quick_replies'] }],
    ['something else', { given: 'the weather in Ghent', want: ['quick_replies'] }],
  ];
  it.each(typed)('answers "%s" with the message types it shows', (_name, { given, want }) => {
    expect(typesOf(started().say(given))).toEqual(want);
  });

  it('answers what it does not understand with an apology and a way out', () => {
    const turn = started().say('the weather in Ghent');
    expect(textsOf(turn)).toEqual(["Sorry, I didn't get that. Type help to see what I understand, or pick one."]);
  });

  it('leads somewhere from every button and quick reply it shows', () => {
    const payloads = JSON.stringify(tour()).match(/"payload":"[^"+]+"/g)!.map((p) => p.slice('"payload":"'.length, -1));
    expect(payloads.length).toBeGreaterThan(10);
    for (const payload of new Set(payloads)) {
      const chat = started();
      if (payload.startsWith('like-')) chat.click('show-quick-replies');
      expect(textsOf(chat.click(payload)), payload).not.toContain("Sorry, I didn't get that. Type help to see what I understand, or pick one.");
    }
  });

  it('follows a click sent as text, as the legacy endpoint sends it', () => {
    const chat = started();
    expect(typesOf(chat.say('show-carousel'))).toEqual(['carousel', 'quick_replies']);
    expect(textsOf(chat.say('buy-tshirt'))[0]).toBe('Good choice! This is a demo, so nothing was ordered.');
  });

  it('answers the quick replies of its question only while it is asked', () => {
    const chat = started({ firstName: 'Ada' });
    chat.click('show-quick-replies');
    expect(textsOf(chat.click('like-yes'))[0]).toBe('Thank you, Ada!');
    expect(textsOf(chat.click('like-yes'))[0]).toMatch(/^Sorry/);
  });

  it('echoes the coordinates of a shared location, in its text and in a map link', () => {
    const turn = started().send({ type: 'location', coordinates: { lat: 51.2194, long: 4.4025 } });
    expect(turn.messages[0]).toEqual({
      type: 'buttons',
      attachment: {
        type: 'template',
        payload: {
          template_type: 'button',
          text: 'You are at 51.2194, 4.4025.',
          buttons: [{ type: 'web_url', title: 'Open the map', url: 'https://maps.example.com/?lat=51.2194&long=4.4025' }],
        },
      },
    });
  });

  it("echoes an attachment's type and url", () => {
    const turn = started().send({ type: 'attachment', attachment: { type: 'video', url: 'https://cdn.example.com/uploads/clip.mp4' } });
    expect(textsOf(turn)[0]).toBe('Thanks for the video! I received it at https://cdn.example.com/uploads/clip.mp4.');
  });

  it('asks for a name, keeps the answer, and uses it', () => {
    const chat = started();
    expect(textsOf(chat.click('ask-name'))).toEqual(["What's your name?"]);
    expect(textsOf(chat.say('Grace Hopper'))[0]).toBe('Nice to meet you, Grace Hopper!');
    expect(chat.state.variables.name).toBe('Grace Hopper');
  });

  it('catches a name told unasked, with a regular expression', () => {
    expect(textsOf(started().say('My name is Ada Lovelace'))[0]).toBe('Nice to meet you, Ada Lovelace!');
  });

  it('fills the text showcase from the sender and sessionData', () => {
    const chat = started({ firstName: 'Ada', lastName: 'Lovelace', locale: 'en-GB' });
    const [text] = textsOf(chat.send({ type: 'postback', payload: 'show-text' }, { plan: 'premium' }));
    expect(text).toContain('your first name is Ada, your last name Lovelace, your language en, and your plan premium');
  });

  it("puts the user's language in the website link of its buttons", () => {
    const turn = started({ locale: 'nl-BE' }).click('show-buttons');
    expect(JSON.stringify(turn.messages)).toContain('"url":"https://www.example.com/?lang=nl"');
  });
});
