/** One conformance vector of webhook-vectors.json: what a receiver is given, and what it must conclude. */
export interface WebhookVector {
  name: string;
  description: string;
  /** `signature`: only the Standard Webhooks check applies (the body need not be a bot message). */
  level: 'event' | 'signature';
  messageType?: string;
  secrets: string[];
  verifyToken?: string;
  /** webhook-ids the receiver has already handled. */
  seenIds?: string[];
  /** The receiver's clock, in milliseconds. */
  now: number;
  headers: Record<string, string>;
  body: string;
  expected: { ok: true; duplicate?: true } | { ok: false; reason: string };
}
