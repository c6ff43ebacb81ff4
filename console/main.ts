/**
 * The integration console (`GET /console`): sign in with a bot id and token, then chat with the
 * bot, watch each signed webhook leave, open its attempts and requests, redeliver, and configure
 * the webhook. One live feed (the event stream) drives the delivery log; the chat has its own,
 * filtered to this tab's conversation.
 */
import { createWebhookChannelClient } from '../client/client.js';
import { followEvents } from '../client/event-stream.js';
import { mountChat } from './chat.js';
import { mountDeliveries } from './deliveries.js';
import { h, replace } from './dom.js';
import { endSession, restoreSession, startSession, type Session } from './session.js';
import { mountSettings } from './settings.js';

const app = document.getElementById('app')!;

function signInForm(message?: string): void {
  const botId = h('input', { id: 'bot-id', name: 'bot', required: true, maxlength: 64, autocomplete: 'username', value: 'demo' });
  const token = h('input', { id: 'token', name: 'token', type: 'password', required: true, autocomplete: 'current-password' });
  replace(
    app,
    h(
      'form',
      {
        class: 'sign-in',
        onsubmit: (event: Event) => {
          event.preventDefault();
          void signIn(startSession(botId.value.trim(), token.value.trim()));
        },
      },
      h('h1', {}, 'Webhook channel console'),
      message ? h('p', { class: 'error', role: 'alert' }, message) : null,
      h('label', { for: 'bot-id' }, 'Bot id'),
      botId,
      h('label', { for: 'token' }, 'Token'),
      token,
      h('button', { type: 'submit' }, 'Sign in'),
      h('p', { class: 'muted' }, 'Or open ', h('code', {}, '/console#bot=<bot id>&token=<token>'), ': the part after # never leaves your browser.'),
      h('p', { class: 'muted' }, h('a', { href: '/docs' }, 'API docs')),
    ),
  );
  (message ? token : botId).focus();
}

async function signIn(session: Session): Promise<void> {
  const client = createWebhookChannelClient({ baseUrl: location.origin, token: session.token, retries: 0 });
  // One request tells whether the bot and token are right (a list: no 404 before a channel exists).
  const { error } = await client.api.GET('/v1/bots/{botId}/channels', { params: { path: { botId: session.botId } } });
  if (error) {
    endSession();
    return signInForm(error.status === 401 || error.status === 404 ? 'That bot id and token do not match.' : `The server answered: ${error.detail ?? error.title}`);
  }
  const abort = new AbortController();
  const alerts = h('p', { class: 'error', role: 'alert', hidden: true });
  const report = (text: string) => {
    alerts.hidden = false;
    alerts.textContent = text;
  };
  const chatPanel = h('section', { class: 'panel chat', 'aria-labelledby': 'chat-title' });
  const deliveriesPanel = h('section', { class: 'panel deliveries-panel' });
  const settingsPanel = h('section', { class: 'panel settings-panel' });
  replace(
    app,
    h(
      'header',
      {},
      h('h1', {}, 'Webhook channel console'),
      h('span', {}, 'Bot ', h('strong', {}, session.botId)),
      h('a', { href: '/docs', target: '_blank', rel: 'noopener' }, 'API docs'),
      h('button', { type: 'button', onclick: () => (abort.abort(), endSession(), signInForm()) }, 'Sign out'),
    ),
    alerts,
    h('div', { class: 'panels' }, chatPanel, deliveriesPanel, settingsPanel),
  );
  mountChat(chatPanel, session, client, abort.signal, report);
  const deliveries = mountDeliveries(deliveriesPanel, session, client, report);
  const settings = mountSettings(settingsPanel, session, client, report);
  chatPanel.querySelector('h2')?.setAttribute('id', 'chat-title');
  document.getElementById('message')?.focus();

  // The bot-wide feed, from now on: the lists above were read just before.
  void (async () => {
    try {
      for await (const event of followEvents({ baseUrl: location.origin, token: session.token, botId: session.botId, after: 'now', signal: abort.signal })) {
        if (event.type === 'delivery.updated') {
          deliveries.updated(event.delivery);
          if (event.attempt) settings.deliveryAttempted();
        } else if (event.actor === 'bot') {
          deliveries.created();
        }
      }
    } catch (error) {
      if (!abort.signal.aborted) report(`The live feed stopped: ${(error as Error).message}`);
    }
  })();
}

const session = restoreSession();
if (session) void signIn(session);
else signInForm();
