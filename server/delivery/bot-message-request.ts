/**
 * The POST of the spec's `botMessage` webhook for one attempt: the body (the stored event plus
 * the channel's current `verifyToken`) and the Standard Webhooks headers. The `webhook-id` is
 * the delivery's, the same on every attempt; the timestamp and signatures are this attempt's.
 */
import type { components } from '../../spec/generated/api.js';
import { signatureHeader, signingSecrets } from './signature.js';

type BotMessageEvent = components['schemas']['BotMessageEvent'];

export interface BotMessageDelivery {
  webhookId: string;
  event: Omit<BotMessageEvent, 'verifyToken'>;
  /** `verifyToken` `null`: none configured, and the body carries no `verifyToken` field at all. */
  channel: { verifyToken: string | null } & Parameters<typeof signingSecrets>[0];
}

export interface WebhookRequest {
  body: string;
  headers: Record<string, string>;
}

export function botMessageRequest(delivery: BotMessageDelivery, now: number, userAgent: string): WebhookRequest {
  // Receivers written for the platform refuse any token when they expect none: no "" nor null.
  const { verifyToken } = delivery.channel;
  const event: BotMessageEvent = { ...delivery.event, ...(verifyToken !== null && { verifyToken }) };
  const body = JSON.stringify(event);
  const timestamp = Math.floor(now / 1000);
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'user-agent': userAgent,
      'webhook-id': delivery.webhookId,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signatureHeader(signingSecrets(delivery.channel, now), { webhookId: delivery.webhookId, timestamp, body }),
    },
  };
}
