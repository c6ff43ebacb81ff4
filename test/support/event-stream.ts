/**
 * A Server-Sent Events reader for tests: opens `GET /v1/bots/{botId}/events` as
 * `text/event-stream`, parses each message as the spec says (id, event, data) and checks every
 * `StreamEvent` against the spec as it arrives.
 */
import { assertSchema } from './contract.js';
import { TEST_TOKEN } from './server.js';
import { waitFor } from './wait-for.js';

export interface SseMessage {
  id?: string;
  event: string;
  data: any;
}

export interface EventStreamReader {
  status: number;
  contentType: string | null;
  messages: SseMessage[];
  /** Why each event that did not match the spec's `StreamEvent` failed (expected empty). */
  invalid: string[];
  /** Resolves once `condition` holds for the messages read so far. */
  until(condition: (messages: SseMessage[]) => boolean, what?: string): Promise<SseMessage[]>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

export async function openEventStream(
  baseUrl: string,
  { botId = 'demo', token = TEST_TOKEN, lastEventId, query = {} }: { botId?: string; token?: string; lastEventId?: string; query?: Record<string, string> } = {},
): Promise<EventStreamReader> {
  const url = new URL(`${baseUrl}/v1/bots/${botId}/events`);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  const abort = new AbortController();
  const res = await fetch(url, {
    headers: { accept: 'text/event-stream', authorization: `Bearer ${token}`, ...(lastEventId && { 'last-event-id': lastEventId }) },
    signal: abort.signal,
  });
  const messages: SseMessage[] = [];
  const invalid: string[] = [];
  const ended = (async () => {
    if (!res.body || res.status !== 200) return;
    const decoder = new TextDecoder();
    let buffer = '';
    const reader = res.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields: Record<string, string> = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':') || line === '') continue;
            const colon = line.indexOf(':');
            fields[line.slice(0, colon)] = line.slice(colon + 1).replace(/^ /, '');
          }
          if (fields.data === undefined) continue;
          const data = JSON.parse(fields.data);
          const event = fields.event ?? 'message';
          if (event !== 'dropped') {
            try {
              assertSchema('StreamEvent', data);
            } catch (error) {
              invalid.push((error as Error).message);
            }
          }
          messages.push({ id: fields.id, event, data });
        }
      }
    } catch {
      // Closed by us (abort) or by the server going away: the stream has ended either way.
    }
  })();
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    messages,
    invalid,
    async until(condition, what = 'events') {
      await waitFor(() => condition(messages), { what });
      return messages;
    },
    ended,
    close: () => abort.abort(),
  };
}
