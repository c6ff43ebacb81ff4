/** The request both load runs send: sender number `n` says "hi", and the demo bot answers with three messages. */
import { AUTH_HEADERS } from './bench-server.js';
import type { LoadRequest } from './load.js';

/** Bot messages the demo bot sends for one "hi": the welcome (two texts), then the menu. */
export const BOT_MESSAGES_PER_HELLO = 3;

export function helloFrom(n: number): LoadRequest {
  return {
    method: 'POST',
    path: '/v1/bots/demo/channels/webhook/messages',
    headers: { ...AUTH_HEADERS, 'content-type': 'application/json' },
    body: JSON.stringify({ sender: { id: senderId(n) }, message: { type: 'text', text: 'hi' } }),
  };
}

/** A valid SenderId (20 to 128 characters) per number. */
export function senderId(n: number): string {
  return `bench-sender-${String(n).padStart(8, '0')}`;
}
