/**
 * A bot message as a chat client shows it: text; buttons and quick replies as buttons named by
 * their titles (a postback button or a quick reply sends its payload back when clicked; a URL
 * button is a link); carousel and list cards with image, title, subtitle and buttons; media.
 */
import type { components } from '../spec/generated/api.js';
import { h, image } from './dom.js';

type BotMessage = components['schemas']['BotMessage'];
type Button = components['schemas']['Button'];

/** What a click sends back: the postback of a button or quick reply. */
export type Postback = (payload: string, title: string) => void;

export function renderBotMessage(message: BotMessage, postback: Postback): HTMLElement {
  switch (message.type) {
    case 'text':
      return h('div', { class: 'bubble bot' }, h('p', {}, message.text));
    case 'buttons': {
      const { text, buttons } = message.attachment.payload;
      return h('div', { class: 'bubble bot' }, h('p', {}, text), h('div', { class: 'buttons' }, ...buttons.map((b) => renderButton(b, postback))));
    }
    case 'quick_replies':
      return h(
        'div',
        { class: 'bubble bot' },
        h('p', {}, message.text),
        h(
          'div',
          { class: 'quick-replies' },
          ...message.quick_replies.map((q) =>
            h('button', { type: 'button', class: 'quick-reply', onclick: () => postback(q.payload, q.title) }, q.image_url ? image(q.image_url, 'icon') : null, q.title),
          ),
        ),
      );
    case 'carousel':
      return h('div', { class: 'carousel', role: 'group', 'aria-label': 'Carousel' }, ...message.attachment.payload.elements.map((card) => renderCard(card, postback)));
    case 'list': {
      const { elements, buttons } = message.attachment.payload;
      return h(
        'div',
        { class: 'bubble bot list' },
        h('ul', {}, ...elements.map((item) => h('li', {}, renderCard(item, postback)))),
        buttons && buttons.length > 0 ? h('div', { class: 'buttons' }, ...buttons.map((b) => renderButton(b, postback))) : null,
      );
    }
    case 'media':
      return h('div', { class: 'bubble bot media' }, renderMedia(message.attachment.type, message.attachment.payload.url));
  }
}

interface Card {
  title: string;
  subtitle?: string;
  image_url?: string;
  buttons?: Button[];
}

function renderCard(card: Card, postback: Postback): HTMLElement {
  return h(
    'article',
    { class: 'card' },
    card.image_url ? image(card.image_url, 'card-image') : null,
    h('h3', {}, card.title),
    card.subtitle ? h('p', { class: 'subtitle' }, card.subtitle) : null,
    card.buttons && card.buttons.length > 0 ? h('div', { class: 'buttons' }, ...card.buttons.map((b) => renderButton(b, postback))) : null,
  );
}

function renderButton(button: Button, postback: Postback): HTMLElement {
  switch (button.type) {
    case 'postback':
      return h('button', { type: 'button', onclick: () => postback(button.payload, button.title) }, button.title);
    case 'web_url':
      return h('a', { class: 'button', href: button.url, target: '_blank', rel: 'noopener noreferrer' }, button.title);
    case 'phone_number':
      return h('a', { class: 'button', href: `tel:${button.payload}` }, button.title);
    case 'element_share':
      return h('span', { class: 'button inert' }, 'Share');
  }
}

function renderMedia(type: string, url: string): HTMLElement {
  const fallback = h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, `${type}: ${url}`);
  if (type === 'image') {
    const img = h('img', { src: url, alt: 'Image from the bot', class: 'media-image', referrerpolicy: 'no-referrer' });
    img.addEventListener('error', () => img.replaceWith(fallback), { once: true });
    return img;
  }
  if (type === 'video' || type === 'audio') {
    const player = h(type, { src: url, controls: true, preload: 'none', class: 'media-player' });
    player.addEventListener('error', () => player.replaceWith(fallback), { once: true });
    return player;
  }
  return fallback;
}
