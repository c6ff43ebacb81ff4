/**
 * The delivery log: every delivery of the channel, live (status, counter, conversation,
 * attempts), filterable by status; a delivery opened shows each attempt and the request that
 * was sent, and can be redelivered.
 */
import type { components } from '../spec/generated/api.js';
import type { WebhookChannelClient } from '../client/client.js';
import { h, replace, time } from './dom.js';
import type { Session } from './session.js';

type Delivery = components['schemas']['Delivery'];
type DeliveryDetail = components['schemas']['DeliveryDetail'];
type Status = components['schemas']['DeliveryStatus'];

export interface DeliveriesPanel {
  /** A delivery changed (from the event stream). */
  updated(delivery: Delivery): void;
  /** Bot messages were created: new deliveries exist. */
  created(): void;
}

const PAGE = 50;

export function mountDeliveries(root: HTMLElement, session: Session, client: WebhookChannelClient, report: (error: string) => void): DeliveriesPanel {
  const rows = new Map<string, Delivery>();
  let filter: Status | '' = '';
  let opened: string | undefined;
  let refreshing: Promise<void> | undefined;
  let again = false;

  const filterSelect = h(
    'select',
    {
      id: 'delivery-status',
      onchange: () => {
        filter = filterSelect.value as Status | '';
        void refresh();
      },
    },
    h('option', { value: '' }, 'all'),
    ...(['pending', 'succeeded', 'failed'] as const).map((s) => h('option', { value: s }, s)),
  );
  const body = h('tbody');
  const table = h(
    'table',
    { class: 'deliveries' },
    h('caption', { class: 'visually-hidden' }, 'Deliveries, newest first'),
    h('thead', {}, h('tr', {}, ...['Status', 'Counter', 'Conversation', 'Attempts', 'Last answer', 'Updated', ''].map((t) => h('th', { scope: 'col' }, t)))),
    body,
  );
  const empty = h('p', { class: 'hint' }, 'No delivery yet: each bot message becomes one.');
  const detail = h('section', { class: 'delivery-detail', 'aria-label': 'Delivery' });
  replace(root, h('h2', {}, 'Deliveries'), h('div', { class: 'row' }, h('label', { for: 'delivery-status' }, 'Status'), filterSelect), empty, table, detail);

  const render = () => {
    const list = [...rows.values()].filter((d) => !filter || d.status === filter).sort((a, b) => (a.createdAt === b.createdAt ? b.messageCounter - a.messageCounter : a.createdAt < b.createdAt ? 1 : -1));
    empty.hidden = list.length > 0;
    table.hidden = list.length === 0;
    replace(
      body,
      ...list.slice(0, PAGE).map((d) =>
        h(
          'tr',
          { 'data-delivery': d.id, class: d.id === opened ? 'selected' : '' },
          h('td', {}, h('span', { class: `status ${d.status}` }, d.status)),
          h('td', {}, d.messageCounter),
          h('td', { title: d.senderId }, d.senderId === session.senderId ? 'this chat' : shorten(d.senderId)),
          h('td', {}, d.attemptCount),
          h('td', {}, d.lastStatusCode ?? '–'),
          h('td', {}, time(d.updatedAt)),
          h('td', {}, h('button', { type: 'button', onclick: () => void open(d.id), 'aria-label': `Open delivery ${d.messageCounter} (${d.status})` }, 'Open')),
        ),
      ),
    );
  };

  // Refreshes are serialized; one asked for meanwhile runs once after.
  const refresh = (): Promise<void> => {
    if (refreshing) {
      again = true;
      return refreshing;
    }
    refreshing = (async () => {
      const { data, error } = await client.api.GET('/v1/bots/{botId}/channels/webhook/deliveries', {
        params: { path: { botId: session.botId }, query: { limit: PAGE, ...(filter && { status: filter }) } },
      });
      if (error) report(`Deliveries: ${error.detail ?? error.title}`);
      else {
        if (filter === '') rows.clear();
        for (const d of data.data) rows.set(d.id, d);
        render();
      }
    })().finally(() => {
      refreshing = undefined;
      if (again) {
        again = false;
        void refresh();
      }
    });
    return refreshing;
  };

  const open = async (id: string) => {
    opened = id;
    render();
    const { data, error } = await client.api.GET('/v1/bots/{botId}/channels/webhook/deliveries/{deliveryId}', {
      params: { path: { botId: session.botId, deliveryId: id } },
    });
    if (error) return report(`Delivery: ${error.detail ?? error.title}`);
    if (opened === id) replace(detail, ...renderDetail(data, () => void redeliver(id)));
  };

  const redeliver = async (id: string) => {
    const { error } = await client.api.POST('/v1/bots/{botId}/channels/webhook/deliveries/{deliveryId}/redeliver', {
      params: { path: { botId: session.botId, deliveryId: id } },
    });
    if (error) report(`Redeliver: ${error.detail ?? error.title}`);
  };

  void refresh();
  return {
    updated(delivery) {
      rows.set(delivery.id, delivery);
      render();
      if (delivery.id === opened) void open(delivery.id);
    },
    created() {
      void refresh();
    },
  };
}

function renderDetail(d: DeliveryDetail, redeliver: () => void): HTMLElement[] {
  const body = JSON.stringify(d.payload);
  return [
    h('h3', {}, `Delivery ${d.messageCounter} `, h('span', { class: `status ${d.status}` }, d.status)),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Delivery id'),
      h('dd', {}, h('code', {}, d.id)),
      h('dt', {}, 'Conversation'),
      h('dd', {}, h('code', {}, d.senderId)),
      d.nextAttemptAt ? h('dt', {}, 'Next attempt') : null,
      d.nextAttemptAt ? h('dd', {}, time(d.nextAttemptAt)) : null,
    ),
    h('button', { type: 'button', onclick: redeliver }, 'Redeliver'),
    h('h4', {}, 'Attempts'),
    d.attempts.length === 0
      ? h('p', { class: 'hint' }, d.status === 'pending' ? 'Not attempted yet: waiting for its turn (is the channel configured and active?).' : 'No attempt.')
      : h(
          'table',
          { class: 'attempts' },
          h('thead', {}, h('tr', {}, ...['#', 'Time', 'Status code', 'Latency', 'Outcome'].map((t) => h('th', { scope: 'col' }, t)))),
          h(
            'tbody',
            {},
            ...d.attempts.map((a) =>
              h(
                'tr',
                {},
                h('td', {}, a.number),
                h('td', {}, time(a.attemptedAt)),
                h('td', {}, a.statusCode ?? '–'),
                h('td', {}, `${a.latencyMs} ms`),
                h('td', {}, h('span', { class: `status ${a.outcome}` }, a.outcome), a.error ? ` (${a.error})` : ''),
              ),
            ),
          ),
        ),
    ...d.attempts.slice(-1).flatMap((a) => [
      h('h4', {}, `Request of attempt ${a.number}`),
      h(
        'pre',
        { class: 'request', 'aria-label': 'Request' },
        [`POST ${a.url ?? ''}`, ...Object.entries(a.request?.headers ?? { 'webhook-id': d.webhookId }).map(([k, v]) => `${k}: ${v}`), '', a.request?.body ?? body].join('\n'),
      ),
    ]),
  ];
}

function shorten(id: string): string {
  return id.length > 14 ? `${id.slice(0, 6)}…${id.slice(-6)}` : id;
}
