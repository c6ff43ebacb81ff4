/**
 * The `cursor` of the deliveries list: where the previous page ended, opaque to clients
 * (base64url of a small JSON). A cursor this server did not give out is a 400 naming `query.cursor`.
 */
import { Problem } from '../problem.js';
import type { DeliveryCursor } from '../store/index.js';

export function encodeDeliveryCursor(cursor: DeliveryCursor): string {
  return Buffer.from(JSON.stringify({ c: cursor.createdAt, n: cursor.messageCounter, i: cursor.id })).toString('base64url');
}

export function decodeDeliveryCursor(text: string): DeliveryCursor {
  try {
    const { c, n, i } = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Number.isSafeInteger(c) && Number.isSafeInteger(n) && typeof i === 'string') return { createdAt: c, messageCounter: n, id: i };
  } catch {
    // fall through to the problem below
  }
  throw Problem.validation([{ location: 'query.cursor', message: 'is not a cursor this server gave out' }]);
}
