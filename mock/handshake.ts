/**
 * The `verification` webhook as the platform sends it when a channel is configured: a GET with
 * `hub.mode=subscribe`, the verify token and a challenge the receiver must echo. A wrong token
 * must be refused.
 */
import { newHandshakeChallenge } from '../contract/handshake-challenge.js';
import { isAccepted, send } from './delivery.js';

export interface HandshakeCheck {
  /** What was checked, for the printed line. */
  what: string;
  passed: boolean;
  /** What the receiver answered. */
  answer: string;
}

function withQuery(url: string, query: Record<string, string>): string {
  const target = new URL(url);
  for (const [key, value] of Object.entries(query)) target.searchParams.set(key, value);
  return target.toString();
}

/** Sends the handshake with the right token (the challenge must come back) and with a wrong one (it must be refused). */
export async function checkHandshake(url: string, verifyToken: string, timeoutMs: number): Promise<HandshakeCheck[]> {
  // The same challenge the server sends (contract/handshake-challenge.ts).
  const challenge = newHandshakeChallenge();
  const right = await send(withQuery(url, { 'hub.mode': 'subscribe', 'hub.verify_token': verifyToken, 'hub.challenge': challenge }), { method: 'GET' }, timeoutMs);
  const wrong = await send(
    withQuery(url, { 'hub.mode': 'subscribe', 'hub.verify_token': `${verifyToken}-wrong`, 'hub.challenge': challenge }),
    { method: 'GET' },
    timeoutMs,
  );
  const describe = (reply: typeof right) => reply.error ?? `${reply.status} ${reply.text}`.trim();
  return [
    { what: 'handshake echoes hub.challenge', passed: right.status === 200 && right.fullText === challenge, answer: describe(right) },
    { what: 'handshake with a wrong verify token is refused', passed: wrong.status !== undefined && !isAccepted(wrong), answer: describe(wrong) },
  ];
}
