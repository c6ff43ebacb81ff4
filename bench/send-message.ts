/** What both `sendMessage` load runs send: each sender says "hi", and the demo bot answers with three messages. */
import { AUTH_HEADERS } from './bench-server.js';
import type { LoadPlan } from './load.js';

/** Bot messages the demo bot sends for one "hi": the welcome (two texts), then the menu. */
export const BOT_MESSAGES_PER_HELLO = 3;

export const SEND_MESSAGE = {
  method: 'POST',
  path: '/v1/bots/demo/channels/webhook/messages',
  headers: { ...AUTH_HEADERS, 'content-type': 'application/json' },
} satisfies Partial<LoadPlan>;

/** One body per sender; request `i` of a load run comes from sender `i % senders`. */
export function helloBodies(senders: number): string[] {
  return Array.from({ length: senders }, (_, n) => JSON.stringify({ sender: { id: senderId(n) }, message: { type: 'text', text: 'hi' } }));
}

/** A valid SenderId (20 to 128 characters) per number. */
export function senderId(n: number): string {
  return `bench-sender-${String(n).padStart(8, '0')}`;
}
