/**
 * The chat: this tab's conversation with the bot, live from the event stream (filtered to this
 * conversation, from its start: no history request before the conversation exists), and a
 * composer for every kind of user message.
 */
import type { components } from '../spec/generated/api.js';
import type { WebhookChannelClient } from '../client/client.js';
import { followEvents } from '../client/event-stream.js';
import { renderBotMessage } from './bot-message.js';
import { h, replace } from './dom.js';
import type { Session } from './session.js';

type UserMessage = components['schemas']['UserMessage'];

export function mountChat(root: HTMLElement, session: Session, client: WebhookChannelClient, signal: AbortSignal, report: (error: string) => void): void {
  const transcript = h('ol', { class: 'transcript', 'aria-label': 'Conversation' });
  const empty = h('li', { class: 'hint' }, 'Say hi to the bot: type a message below. Try "menu".');
  transcript.append(empty);

  const send = async (message: UserMessage) => {
    const { error } = await client.api.POST('/v1/bots/{botId}/channels/webhook/messages', {
      params: { path: { botId: session.botId } },
      body: { sender: { id: session.senderId, firstName: 'Console' }, message },
    });
    if (error) report(`Not sent: ${error.detail ?? error.title}`);
  };
  const postback = (payload: string, title: string) => void send({ type: 'postback', payload, title });

  const input = h('input', { id: 'message', name: 'message', type: 'text', autocomplete: 'off', maxlength: 4096, required: true });
  const composer = h(
    'form',
    {
      class: 'composer',
      onsubmit: (event: Event) => {
        event.preventDefault();
        const text = input.value.trim();
        if (!text) return;
        input.value = '';
        void send({ type: 'text', text });
      },
    },
    h('label', { for: 'message' }, 'Message'),
    input,
    h('button', { type: 'submit' }, 'Send'),
  );

  const lat = h('input', { id: 'lat', type: 'number', step: 'any', min: -90, max: 90, value: '51.2194' });
  const long = h('input', { id: 'long', type: 'number', step: 'any', min: -180, max: 180, value: '4.4025' });
  const fileUrl = h('input', { id: 'attachment-url', type: 'url', placeholder: 'https://…', maxlength: 2048 });
  const fileType = h('select', { id: 'attachment-type' }, ...['image', 'video', 'audio', 'file'].map((t) => h('option', { value: t }, t)));
  const more = h(
    'details',
    { class: 'more' },
    h('summary', {}, 'Other messages'),
    h('button', { type: 'button', onclick: () => void send({ type: 'intro' }) }, 'Start the conversation (intro)'),
    h(
      'form',
      {
        class: 'row',
        onsubmit: (event: Event) => {
          event.preventDefault();
          void send({ type: 'location', coordinates: { lat: Number(lat.value), long: Number(long.value) } });
        },
      },
      h('label', { for: 'lat' }, 'Latitude'),
      lat,
      h('label', { for: 'long' }, 'Longitude'),
      long,
      h('button', { type: 'submit' }, 'Share location'),
    ),
    h(
      'form',
      {
        class: 'row',
        onsubmit: (event: Event) => {
          event.preventDefault();
          if (fileUrl.value) void send({ type: 'attachment', attachment: { type: fileType.value as 'image', url: fileUrl.value } });
        },
      },
      h('label', { for: 'attachment-type' }, 'Attachment'),
      fileType,
      h('label', { for: 'attachment-url' }, 'URL'),
      fileUrl,
      h('button', { type: 'submit' }, 'Send attachment'),
    ),
  );

  replace(root, h('h2', {}, 'Chat'), h('p', { class: 'muted' }, `You are `, h('code', {}, session.senderId)), transcript, composer, more);

  void (async () => {
    try {
      for await (const event of followEvents({ baseUrl: location.origin, token: session.token, botId: session.botId, senderId: session.senderId, signal })) {
        if (event.type !== 'message.created') continue;
        empty.remove();
        const item =
          event.actor === 'user'
            ? h('li', { class: 'from-user' }, h('div', { class: 'bubble user' }, describeUserMessage(event.event.message)))
            : h('li', { class: 'from-bot', 'data-counter': event.event.messageCounter }, renderBotMessage(event.event.message, postback));
        transcript.append(item);
        item.scrollIntoView({ block: 'nearest' });
      }
    } catch (error) {
      if (!signal.aborted) report(`The live feed stopped: ${(error as Error).message}`);
    }
  })();
}

function describeUserMessage(message: UserMessage): string {
  switch (message.type) {
    case 'text':
      return message.text;
    case 'postback':
      return message.title ?? message.payload;
    case 'intro':
      return '(started the conversation)';
    case 'location':
      return `📍 ${message.coordinates.lat}, ${message.coordinates.long}`;
    case 'attachment':
      return `📎 ${message.attachment.type}: ${message.attachment.url}`;
  }
}
