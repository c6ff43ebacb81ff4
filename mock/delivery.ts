/**
 * One bot-message delivery as the platform makes it: the event built from a spec example, with a
 * fresh `messageId` and `webhook-id`, the next `messageCounter` and the current time, signed and
 * POSTed; and the receiver's answer.
 */
import { request } from 'undici';
import { shortenText } from '../contract/text-limit.js';
import type { BotMessageEvent } from '../client/receiver/index.js';

export interface EventFields {
  botId: string;
  senderId: string;
  verifyToken: string;
  messageCounter: number;
  /** When the bot message was created. */
  createdAt: Date;
}

/** What the receiver answered, or why nothing came. */
export interface ReceiverReply {
  status?: number;
  /** The first line of the answer's body, shortened. */
  text: string;
  ms: number;
  error?: string;
}

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZabcdefghijkmnopqrstuvwxyz';

function randomId(prefix: string, length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return prefix + Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join('');
}

/** A fresh `webhook-id`, shaped like the platform's (`msg_2Kq9ZrX8wH3nV5bT7yL1cD4f`). */
export const newWebhookId = (): string => randomId('msg_', 24);
/** A fresh bot message id. */
export const newMessageId = (): string => randomId('msg_', 26);

/** The example's message in a new event: the rest is this delivery's. */
export function buildEvent(example: BotMessageEvent, fields: EventFields): BotMessageEvent {
  return {
    ...example,
    senderId: fields.senderId,
    recipient: { ...example.recipient, id: fields.senderId },
    botId: fields.botId,
    messageId: newMessageId(),
    messageCounter: fields.messageCounter,
    timestamp: fields.createdAt.toISOString(),
    verifyToken: fields.verifyToken,
  };
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0]!.trim();
  return shortenText(line, 60);
}

/** Sends a request and reads the answer; never throws for an HTTP or connection failure. */
export async function send(
  url: string,
  init: { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: string },
  timeoutMs: number,
  now: () => number = Date.now,
): Promise<ReceiverReply & { fullText: string }> {
  const started = now();
  try {
    const response = await request(url, {
      method: init.method,
      headers: init.headers,
      body: init.body,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const fullText = await response.body.text();
    return { status: response.statusCode, text: firstLine(fullText), fullText, ms: now() - started };
  } catch (error) {
    const reason = error instanceof Error ? ((error as { code?: string }).code ?? error.message) : String(error);
    return { text: '', fullText: '', ms: now() - started, error: reason };
  }
}

export function isAccepted(reply: ReceiverReply): boolean {
  return reply.status !== undefined && reply.status >= 200 && reply.status < 300;
}
