/**
 * The verification handshake run before a channel is saved: `GET {url}?hub.mode=subscribe&
 * hub.verify_token=…&hub.challenge=…` must be answered `200` with the challenge as the body
 * (the Messenger form, see the spec's `verification` webhook).
 */
import { request, type Dispatcher } from 'undici';
import { newHandshakeChallenge } from '../../contract/handshake-challenge.js';
import { createWebhookDispatcher, DEFAULT_USER_AGENT } from './dispatcher.js';
import { describeRequestError, urlRefusalIn } from './request-error.js';
import type { UrlGuard } from './url-guard.js';

/** A challenge is a short string; more than this is not one, and is not read further. */
const MAX_CHALLENGE_ANSWER_BYTES = 4096;

export type HandshakeFailure = 'unexpected-status' | 'challenge-mismatch' | 'timeout' | 'connection-refused' | 'connection-failed';

/**
 * The URL did not pass the handshake. `message` says what it answered and completes a sentence
 * that starts with the URL: "answered 403 instead of 200 with the challenge".
 */
export class HandshakeError extends Error {
  override readonly name = 'HandshakeError';
  constructor(
    readonly reason: HandshakeFailure,
    message: string,
    readonly statusCode: number | null = null,
  ) {
    super(message);
  }
}

export interface HandshakeOptions {
  guard: UrlGuard;
  /** Defaults to 10 s, the time the spec gives receivers. */
  timeoutMs?: number;
  /** Defaults to a new 15-digit decimal challenge, the spec's form (contract/handshake-challenge.ts). */
  challenge?: string;
  /** The worker's dispatcher, to share its connections; a short-lived one is made otherwise. */
  dispatcher?: Dispatcher;
  userAgent?: string;
}

/**
 * Resolves when `url` echoes the challenge. Throws a `UrlRefusedError` when the URL may not be
 * called at all (scheme, private address), or a `HandshakeError` saying what it answered.
 *
 * @example
 * await verifyWebhookUrl('https://bots.example.com/webhook', '8wMsLZkdDPT64nqh', { guard });
 */
export async function verifyWebhookUrl(url: string, verifyToken: string, options: HandshakeOptions): Promise<void> {
  const { guard, timeoutMs = 10_000 } = options;
  const target = await guard.check(url);
  const challenge = options.challenge ?? newHandshakeChallenge();
  target.hash = '';
  target.searchParams.set('hub.mode', 'subscribe');
  target.searchParams.set('hub.verify_token', verifyToken);
  target.searchParams.set('hub.challenge', challenge);

  const dispatcher = options.dispatcher ?? createWebhookDispatcher(guard, { connectTimeoutMs: timeoutMs });
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    let res: Dispatcher.ResponseData;
    let body: string;
    try {
      res = await request(target, {
        method: 'GET',
        headers: { 'user-agent': options.userAgent ?? DEFAULT_USER_AGENT, accept: 'text/plain' },
        dispatcher,
        signal,
      });
      body = await readCapped(res.body, MAX_CHALLENGE_ANSWER_BYTES);
    } catch (error) {
      // Refused by the connect-time guard (the name now resolves elsewhere): the URL is refused, not unverified.
      const refusal = urlRefusalIn(error);
      if (refusal) throw refusal;
      const { failure, message } = describeRequestError(error, { timeoutMs, timedOut: signal.aborted, aborted: false });
      throw new HandshakeError(failure === 'timeout' || failure === 'connection-refused' ? failure : 'connection-failed', message);
    }
    if (res.statusCode !== 200) {
      throw new HandshakeError('unexpected-status', `answered ${res.statusCode} instead of 200 with the challenge`, res.statusCode);
    }
    if (body.trim() !== challenge) {
      throw new HandshakeError('challenge-mismatch', 'answered 200 but the body was not the challenge', 200);
    }
  } finally {
    if (!options.dispatcher) await dispatcher.close();
  }
}

async function readCapped(body: Dispatcher.ResponseData['body'], limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
    if (size > limit) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}
