/**
 * The webhook settings: URL, verify token, handshake on or off, the status (with the reason when
 * disabled); the signing secret, masked, with reveal and rotate (and each replaced secret's
 * remaining grace); and the built-in test receiver, one click away (receiver-switch.ts), with
 * what it received.
 */
import type { components } from '../spec/generated/api.js';
import type { WebhookChannelClient } from '../client/client.js';
import { h, replace, time } from './dom.js';
import { mountReceiverSwitch } from './receiver-switch.js';
import type { Session } from './session.js';

type Channel = components['schemas']['WebhookChannel'];
type Secret = components['schemas']['WebhookSecret'];
type Inbox = components['schemas']['TestReceiverInbox'];

export interface SettingsPanel {
  /** A delivery was attempted: the channel's status or the inbox may have changed. */
  deliveryAttempted(): void;
}

export function mountSettings(root: HTMLElement, session: Session, client: WebhookChannelClient, report: (error: string) => void): SettingsPanel {
  const path = { params: { path: { botId: session.botId } } };
  let channel: Channel | undefined;
  let inbox: Inbox | undefined;
  let secret: Secret | undefined;
  let revealed = false;

  const url = h('input', { id: 'webhook-url', type: 'url', required: true, maxlength: 2048, placeholder: 'https://your-app.example/webhook' });
  const verifyToken = h('input', { id: 'verify-token', type: 'text', minlength: 8, maxlength: 256, autocomplete: 'off' });
  const handshake = h('input', { id: 'handshake', type: 'checkbox', checked: true });
  const status = h('p', { class: 'channel-status' });
  const secretView = h('div', { class: 'secret' });
  const inboxView = h('div', { class: 'inbox' });

  const form = h(
    'form',
    {
      class: 'settings',
      onsubmit: (event: Event) => {
        event.preventDefault();
        void configure(url.value, verifyToken.value, handshake.checked);
      },
    },
    h('label', { for: 'webhook-url' }, 'Webhook URL'),
    url,
    h('label', { for: 'verify-token' }, 'Verify token'),
    verifyToken,
    h('label', { class: 'checkbox' }, handshake, ' Verify the URL first (hub.challenge handshake)'),
    h('button', { type: 'submit' }, 'Save'),
  );
  // The test receiver is saved with the verify token in use, so going back keeps it too.
  const receiverSwitch = mountReceiverSwitch(session.botId, (webhookUrl) =>
    configure(webhookUrl, verifyToken.value || `console-${crypto.randomUUID().slice(0, 8)}`, webhookUrl === inbox?.url || handshake.checked),
  );

  replace(
    root,
    h('h2', {}, 'Webhook'),
    status,
    form,
    receiverSwitch.element,
    h('h3', {}, 'Signing secret'),
    secretView,
    h('h3', {}, 'Test receiver inbox'),
    inboxView,
  );

  const renderChannel = () => {
    if (!channel) {
      replace(status, 'Status: ', h('strong', {}, 'not configured'), '. Bot messages are kept until a webhook is configured.');
      replace(secretView, h('p', { class: 'hint' }, 'A secret is made when the webhook is configured.'));
      return;
    }
    replace(
      status,
      'Status: ',
      h('strong', { class: `status ${channel.status}` }, channel.status),
      channel.disabledReason ? ` (${channel.disabledReason})` : '',
      ' · ',
      h('code', {}, channel.url),
    );
    if (document.activeElement !== url) url.value = channel.url;
    if (document.activeElement !== verifyToken) verifyToken.value = channel.verifyToken ?? '';
  };

  const renderSecret = () => {
    if (!channel || !secret) return;
    const masked = `whsec_${'•'.repeat(12)}`;
    replace(
      secretView,
      h('p', {}, h('code', { class: 'secret-value' }, revealed ? secret.secret : masked), ' '),
      h('p', {}, h('button', { type: 'button', 'aria-pressed': String(revealed), onclick: () => ((revealed = !revealed), renderSecret()) }, revealed ? 'Hide' : 'Reveal'), ' ', h('button', { type: 'button', onclick: () => void rotate() }, 'Rotate')),
      // Each replaced secret signs until its own grace period ends (several after quick rotations).
      ...(secret.previousSecrets ?? []).map((previous, i) =>
        h('p', { class: 'muted' }, i === 0 ? 'The previous secret also signs until ' : 'An earlier secret also signs until ', time(previous.expiresAt), ` (${remaining(previous.expiresAt)} left).`),
      ),
    );
  };

  const renderInbox = () => {
    if (!inbox) return;
    const inUse = channel?.url === inbox.url;
    receiverSwitch.render(channel?.url, inbox.url);
    if (inbox.received.length === 0) {
      replace(inboxView, h('p', { class: 'hint' }, inUse ? 'Nothing received yet: send a message in the chat.' : 'Not in use.'));
      return;
    }
    replace(
      inboxView,
      h(
        'ol',
        { class: 'received' },
        ...inbox.received.map((r) =>
          h(
            'li',
            {},
            h('span', { class: `status ${r.verified ? 'succeeded' : 'failed'}` }, r.verified ? 'verified' : `not verified: ${r.reason ?? ''}`),
            ' ',
            time(r.receivedAt),
            ' ',
            h('code', {}, r.webhookId),
            h('details', {}, h('summary', {}, 'Request'), h('pre', {}, [...Object.entries(r.headers).map(([k, v]) => `${k}: ${v}`), '', r.body].join('\n'))),
          ),
        ),
      ),
    );
  };

  const load = async () => {
    const [channels, receiver] = await Promise.all([client.api.GET('/v1/bots/{botId}/channels', path), client.api.GET('/v1/bots/{botId}/test-receiver', path)]);
    if (channels.error) return report(`Channel: ${channels.error.detail ?? channels.error.title}`);
    channel = channels.data.data[0];
    if (receiver.data) inbox = receiver.data;
    renderChannel();
    renderInbox();
    if (channel && !secret) await loadSecret();
  };

  const loadSecret = async () => {
    const { data, error } = await client.api.GET('/v1/bots/{botId}/channels/webhook/secret', path);
    if (error) return report(`Secret: ${error.detail ?? error.title}`);
    secret = data;
    renderSecret();
  };

  /** Saves the webhook; `false` when it was not saved (and says why). */
  const configure = async (webhookUrl: string, token: string, withHandshake: boolean): Promise<boolean> => {
    const { data, error } = await client.api.PUT('/v1/bots/{botId}/channels/webhook', {
      ...path,
      body: { url: webhookUrl, ...(token && { verifyToken: token }), handshake: withHandshake },
    });
    if (error) {
      report(`Not saved: ${error.detail ?? error.title}${error.errors?.length ? ` (${error.errors.map((e) => `${e.location} ${e.message}`).join('; ')})` : ''}`);
      return false;
    }
    channel = data;
    receiverSwitch.saved(data.url, inbox?.url);
    renderChannel();
    await loadSecret();
    await load();
    return true;
  };

  const rotate = async () => {
    const { data, error } = await client.api.POST('/v1/bots/{botId}/channels/webhook/secret/rotate', path);
    if (error) return report(`Rotate: ${error.detail ?? error.title}`);
    secret = data;
    renderSecret();
  };

  void load();
  return {
    deliveryAttempted() {
      void load();
    },
  };
}

function remaining(iso: string): string {
  const minutes = Math.max(0, Math.round((Date.parse(iso) - Date.now()) / 60_000));
  return minutes >= 60 ? `${Math.floor(minutes / 60)} h ${minutes % 60} min` : `${minutes} min`;
}
