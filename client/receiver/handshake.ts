/**
 * The `verification` webhook of the spec: when a channel is configured, the platform sends
 * `GET {url}?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…` and saves the channel only
 * if the challenge comes back as the whole body (the Messenger-style handshake).
 */
import { constantTimeEqual } from './constant-time.js';

export interface HandshakeAnswer {
  status: 200 | 403;
  /** The challenge on success; a short reason otherwise. */
  body: string;
}

/**
 * The answer to a verification request: `200` with the challenge when `hub.mode` is
 * `subscribe` and `hub.verify_token` is `verifyToken`, `403` otherwise (also when no verify
 * token is configured, so an unconfigured receiver never confirms a subscription).
 *
 * @example
 * const { status, body } = answerHandshake(new URL(req.url, 'http://x').searchParams, 'my-verify-token');
 * res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
 */
export function answerHandshake(query: URLSearchParams, verifyToken: string | undefined): HandshakeAnswer {
  const challenge = query.get('hub.challenge');
  const token = query.get('hub.verify_token');
  if (query.get('hub.mode') !== 'subscribe' || challenge === null || token === null) {
    return { status: 403, body: 'not a verification request' };
  }
  if (verifyToken === undefined || !constantTimeEqual(token, verifyToken)) {
    return { status: 403, body: 'verify_token_mismatch' };
  }
  return { status: 200, body: challenge };
}

