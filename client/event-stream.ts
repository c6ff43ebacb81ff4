/**
 * Following a bot's event log live: `GET /v1/bots/{botId}/events` as `text/event-stream`, as an
 * async iterator of the spec's `StreamEvent`s. It reconnects by itself after a network error, a
 * 5xx, a 429 or an `event: dropped` (the server's word for "you read too slowly"), sending
 * `Last-Event-ID`, so a consumer sees every event once, in order, whatever happens in between.
 * Works wherever `fetch` streams a response body (Node 18+, browsers, Deno, Bun).
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { parseRetryAfter } from '../contract/retry-after.js';
import type { components } from '../spec/generated/api.js';

export type StreamEvent = components['schemas']['StreamEvent'];
type Problem = components['schemas']['Problem'];

export interface FollowEventsOptions {
  /** Where the API is: `http://127.0.0.1:3000`. */
  baseUrl: string;
  /** The bot's API token. */
  token: string;
  botId: string;
  /** Start after this event id (`StreamEvent.id`), or `now`; from the start of the log when absent. */
  after?: string;
  /** Only this conversation's events. */
  senderId?: string;
  /** Ends the iteration (the iterator then returns). */
  signal?: AbortSignal;
  /**
   * Wait before reconnecting, in ms, unless the server said otherwise (`retry:`). Default 1000; it
   * doubles on each failure in a row, up to 30 s. A 429 or 5xx with `Retry-After` (too many
   * streams open, the store unavailable) is waited out at least that long, up to an hour.
   */
  reconnectDelayMs?: number;
  fetch?: typeof fetch;
  /** The wait between reconnects; tests inject a fake. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** The server refused the stream for good (401, 404, 400…): reconnecting would not help. */
export class EventStreamRefusedError extends Error {
  override readonly name = 'EventStreamRefusedError';
  constructor(
    readonly status: number,
    readonly problem: Problem | undefined,
  ) {
    super(`the event stream was refused with ${status}${problem?.detail ? `: ${problem.detail}` : ''}`);
  }
}

const MAX_RECONNECT_DELAY_MS = 30_000;
/** The longest a refusal's `Retry-After` is honoured before reconnecting anyway. */
const MAX_RETRY_AFTER_MS = 3_600_000;

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

/**
 * Every event of the bot's log after `after`, live, until `signal` aborts.
 *
 * @example
 * for await (const event of followEvents({ baseUrl, token, botId: 'demo', signal })) {
 *   if (event.type === 'message.created' && event.actor === 'bot') show(event.event.message);
 *   if (event.type === 'delivery.updated') console.log(event.delivery.id, event.delivery.status);
 * }
 */
export async function* followEvents(options: FollowEventsOptions): AsyncGenerator<StreamEvent, void, undefined> {
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? defaultSleep;
  const baseDelay = options.reconnectDelayMs ?? 1000;
  // The first request asks for `after` in the query; reconnects send the last id seen. `now` is
  // first turned into the log's current last id, so that a reconnect before any event loses none.
  let lastEventId: string | undefined;
  let after = options.after;
  let serverDelay: number | undefined;
  let failures = 0;
  const url = new URL(`${options.baseUrl.replace(/\/$/, '')}/v1/bots/${encodeURIComponent(options.botId)}/events`);
  if (options.senderId !== undefined) url.searchParams.set('senderId', options.senderId);

  while (!options.signal?.aborted) {
    if (after === 'now') {
      const now = await currentLastEventId(doFetch, url, options);
      if (now === 'retry') {
        failures++;
        await sleep(Math.min(baseDelay * 2 ** Math.max(0, failures - 1), MAX_RECONNECT_DELAY_MS), options.signal);
        continue;
      }
      after = now ?? undefined;
    }
    if (lastEventId === undefined && after !== undefined) url.searchParams.set('after', after);
    else url.searchParams.delete('after');
    let response: Response | undefined;
    try {
      response = await doFetch(url, {
        headers: {
          accept: 'text/event-stream',
          authorization: `Bearer ${options.token}`,
          ...(lastEventId !== undefined && { 'last-event-id': lastEventId }),
        },
        signal: options.signal,
      });
    } catch {
      response = undefined; // a network error, or the abort: the loop condition tells
    }
    if (response && !response.ok && response.status !== 429 && response.status < 500) {
      throw new EventStreamRefusedError(response.status, await response.json().catch(() => undefined));
    }
    if (response?.ok && response.body) {
      const queue: EventSourceMessage[] = [];
      const parser = createParser({
        onEvent: (message) => queue.push(message),
        onRetry: (ms) => (serverDelay = ms),
      });
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          parser.feed(value);
          while (queue.length > 0) {
            const message = queue.shift()!;
            if (message.event === 'dropped') continue; // the server ends the stream next; reconnect from lastEventId
            const event = JSON.parse(message.data) as StreamEvent;
            if (message.id !== undefined) lastEventId = message.id;
            failures = 0;
            yield event;
          }
        }
      } catch {
        // The connection broke (or the abort): reconnect unless aborted.
      } finally {
        reader.releaseLock();
        await response.body.cancel().catch(() => undefined);
      }
    } else {
      await response?.body?.cancel().catch(() => undefined);
      failures++;
    }
    if (options.signal?.aborted) return;
    // `retry:` (2 s from this server) replaces the backoff, but a refusal's Retry-After says how
    // long the server wants: reconnecting sooner only meets another 429.
    const refusedFor = response && !response.ok ? parseRetryAfter(response.headers.get('retry-after'), Date.now(), MAX_RETRY_AFTER_MS) : null;
    const delay = Math.max(serverDelay ?? Math.min(baseDelay * 2 ** Math.max(0, failures - 1), MAX_RECONNECT_DELAY_MS), refusedFor ?? 0);
    await sleep(delay, options.signal);
  }
}

/** The log's last event id now (null when empty), or `retry` when the server could not say. */
async function currentLastEventId(doFetch: typeof fetch, streamUrl: URL, options: FollowEventsOptions): Promise<string | null | 'retry'> {
  const url = new URL(streamUrl);
  url.searchParams.set('after', 'now');
  try {
    const response = await doFetch(url, { headers: { accept: 'application/json', authorization: `Bearer ${options.token}` }, signal: options.signal });
    if (response.ok) return ((await response.json()) as { lastEventId: string | null }).lastEventId;
    if (response.status !== 429 && response.status < 500) throw new EventStreamRefusedError(response.status, await response.json().catch(() => undefined));
  } catch (error) {
    if (error instanceof EventStreamRefusedError) throw error;
  }
  return 'retry';
}
