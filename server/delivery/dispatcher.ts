/**
 * The HTTP client every webhook call goes through: one undici `Agent`, which keeps a pool of
 * kept-alive connections per origin, and checks each connection's address with the URL guard
 * as it is opened.
 */
import { Agent, buildConnector } from 'undici';
import type { UrlGuard } from './url-guard.js';

/** Names the sender in every request (RFC 9110 product token). */
export const DEFAULT_USER_AGENT = 'webhook-channel';

export interface WebhookDispatcherOptions {
  /** How long opening a connection (TCP and TLS) may take. */
  connectTimeoutMs?: number;
  /** How long an idle kept-alive connection is kept. */
  keepAliveMs?: number;
}

/**
 * @example
 * const dispatcher = createWebhookDispatcher(new UrlGuard({ allowedHosts: ['127.0.0.1'] }));
 * await request(url, { dispatcher, method: 'POST', body });
 */
export function createWebhookDispatcher(guard: UrlGuard, options: WebhookDispatcherOptions = {}): Agent {
  const connect = buildConnector({ lookup: guard.lookup, timeout: options.connectTimeoutMs ?? 10_000 });
  return new Agent({
    keepAliveTimeout: options.keepAliveMs ?? 30_000,
    connect(target, callback) {
      // The scheme rule, and IP literals, for which net.connect does not call `lookup`.
      const refusal = guard.refuseConnection(target.protocol, target.hostname);
      if (refusal) callback(refusal, null);
      else connect(target, callback);
    },
  });
}

