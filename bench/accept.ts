/**
 * Accept throughput: `sendMessage` under concurrent load, with no channel configured, so the
 * delivery worker has nothing to send and the figure is the accept path (route, auth, validate,
 * run the bot, commit the outbox transaction), plus whatever the worker does when woken.
 */
import type { TestServer } from '../test/support/server.js';
import { runLoadInThread, type LoadResult } from './load.js';
import { helloBodies, SEND_MESSAGE } from './send-message.js';

export interface AcceptOptions {
  count: number;
  concurrency: number;
  /** Distinct conversations the requests are spread over, round robin. */
  senders: number;
  maxMs: number;
}

export function benchAccept(server: TestServer, options: AcceptOptions): Promise<LoadResult> {
  return runLoadInThread({
    origin: server.url,
    ...SEND_MESSAGE,
    bodies: helloBodies(options.senders),
    count: options.count,
    concurrency: options.concurrency,
    maxMs: options.maxMs,
    expectStatus: 202,
  });
}
