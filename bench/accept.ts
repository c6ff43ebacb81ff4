/**
 * Accept throughput: `sendMessage` under concurrent load, with no channel configured, so the
 * delivery worker has nothing to claim and the figure is the accept path alone (route, auth,
 * validate, run the bot, commit the outbox transaction).
 */
import type { TestServer } from '../test/support/server.js';
import { runLoad, type LoadResult } from './load.js';
import { helloFrom } from './send-message.js';

export interface AcceptOptions {
  count: number;
  concurrency: number;
  /** Distinct conversations the requests are spread over, round robin. */
  senders: number;
  maxMs: number;
}

export function benchAccept(server: TestServer, options: AcceptOptions): Promise<LoadResult> {
  return runLoad({
    origin: server.url,
    count: options.count,
    concurrency: options.concurrency,
    maxMs: options.maxMs,
    expectStatus: 202,
    request: (index) => helloFrom(index % options.senders),
  });
}
