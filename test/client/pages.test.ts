/**
 * Paging: history by offset/limit, deliveries by cursor, and errors met on the way.
 */
import { describe, expect, it } from 'vitest';
import { createWebhookChannelClient, WebhookChannelApiError, type Delivery, type HistoryRow } from '../../client/index.js';

const SENDER = 'a7355930-fa92-11e7-8308-2f056e75d1ee';

function row(sequence: number): HistoryRow {
  return { id: `msg_${sequence}`, actor: 'user', isIntro: false, message: { type: 'text', text: `#${sequence}` }, sequence, createdAt: '2026-11-27T10:00:00.000Z' };
}
function delivery(n: number): Delivery {
  return {
    id: `dlv_${n}`,
    webhookId: `msg_w${n}`,
    messageId: `msg_m${n}`,
    senderId: SENDER,
    messageCounter: n,
    status: 'failed',
    attemptCount: 8,
    createdAt: '2026-11-27T10:00:00.000Z',
    updatedAt: '2026-11-27T10:00:00.000Z',
  };
}

/** A client over a fake API answering from `answer(url)`, recording every URL asked. */
function fakeApi(answer: (url: URL) => Response) {
  const urls: URL[] = [];
  const client = createWebhookChannelClient({
    baseUrl: 'http://127.0.0.1:9',
    token: 't',
    retries: 0,
    async fetch(request) {
      const url = new URL(request.url);
      urls.push(url);
      return answer(url);
    },
  });
  return { client, urls };
}
const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' } });

describe('history', () => {
  const all = [1, 2, 3, 4, 5].map(row);
  const api = () =>
    fakeApi((url) => {
      const offset = Number(url.searchParams.get('offset') ?? 0);
      const limit = Number(url.searchParams.get('limit') ?? 20);
      return json({ rows: all.slice(offset, offset + limit), count: all.length });
    });

  it('yields every row, oldest first, asking page after page', async () => {
    const { client, urls } = api();
    const rows: HistoryRow[] = [];
    for await (const r of client.history('demo', SENDER, { pageSize: 2 })) rows.push(r);
    expect(rows.map((r) => r.sequence)).toEqual([1, 2, 3, 4, 5]);
    expect(urls.map((u) => u.searchParams.get('offset'))).toEqual(['0', '2', '4']);
    expect(urls[0]!.pathname).toBe(`/v1/bots/demo/conversations/${SENDER}/messages`);
  });

  it('yields whole pages through pages()', async () => {
    const { client } = api();
    const sizes: number[] = [];
    for await (const page of client.history('demo', SENDER, { pageSize: 3 }).pages()) sizes.push(page.rows.length);
    expect(sizes).toEqual([3, 2]);
  });

  it('starts at the offset given', async () => {
    const { client } = api();
    const rows: HistoryRow[] = [];
    for await (const r of client.history('demo', SENDER, { offset: 3 })) rows.push(r);
    expect(rows.map((r) => r.sequence)).toEqual([4, 5]);
  });

  it('stops at an empty page even if count says more', async () => {
    const { client, urls } = fakeApi(() => json({ rows: [], count: 10 }));
    for await (const _ of client.history('demo', SENDER)) throw new Error('no row expected');
    expect(urls).toHaveLength(1);
  });

  it('throws WebhookChannelApiError with the problem when a page fails', async () => {
    const notFound = { type: 'https://webhook-channel.dev/problems/not-found', title: 'Not Found', status: 404, detail: 'No conversation.' };
    const { client } = fakeApi(() => json(notFound, 404));
    const error = await (async () => {
      for await (const _ of client.history('demo', SENDER)) break;
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebhookChannelApiError);
    expect(error).toMatchObject({ status: 404, problem: notFound, message: '404 No conversation.' });
  });
});

describe('deliveries', () => {
  it('follows nextCursor until it is null, passing the filters on', async () => {
    const pages: Record<string, { data: Delivery[]; nextCursor: string | null }> = {
      first: { data: [delivery(1), delivery(2)], nextCursor: 'c2' },
      c2: { data: [delivery(3)], nextCursor: null },
    };
    const { client, urls } = fakeApi((url) => json(pages[url.searchParams.get('cursor') ?? 'first']));
    const ids: string[] = [];
    for await (const d of client.deliveries('demo', { status: 'failed', senderId: SENDER })) ids.push(d.id);
    expect(ids).toEqual(['dlv_1', 'dlv_2', 'dlv_3']);
    expect(urls.map((u) => u.searchParams.get('cursor'))).toEqual([null, 'c2']);
    expect(urls.every((u) => u.searchParams.get('status') === 'failed' && u.searchParams.get('senderId') === SENDER)).toBe(true);
  });

  it('stops with an error when the server hands back a cursor twice', async () => {
    const { client } = fakeApi(() => json({ data: [delivery(1)], nextCursor: 'same' }));
    const seen: string[] = [];
    const error = await (async () => {
      for await (const d of client.deliveries('demo')) seen.push(d.id);
    })().catch((e: unknown) => e);
    expect(String(error)).toMatch(/cursor same twice/);
    expect(seen).toEqual(['dlv_1', 'dlv_1']);
  });
});
