/**
 * The receiver kit against every conformance vector of test/vectors/webhook-vectors.json.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  createWebhookReceiver,
  memorySeenStore,
  VERIFICATION_FAILURE_REASONS,
  verifyWebhook,
  verifyWebhookSignature,
  WebhookVerificationError,
  type BotMessageEvent,
} from '../../client/receiver/index.js';
import { assertBotMessageEvent, spec } from '../support/contract.js';
import type { WebhookVector } from '../vectors/vector.js';

type Vector = WebhookVector;

const document = JSON.parse(readFileSync(new URL('../vectors/webhook-vectors.json', import.meta.url), 'utf8')) as {
  toleranceSeconds: number;
  vectors: Vector[];
};
const { vectors } = document;

function run(vector: Vector, body: string | Uint8Array): Promise<unknown> {
  const options = { now: () => vector.now * 1000, toleranceSeconds: document.toleranceSeconds, verifyToken: vector.verifyToken };
  return vector.level === 'signature'
    ? verifyWebhookSignature(body, vector.headers, vector.secrets, options)
    : verifyWebhook(body, vector.headers, vector.secrets, options);
}

async function outcome(promise: Promise<unknown>): Promise<{ ok: true; value: unknown } | { ok: false; error: unknown }> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

describe('the conformance vectors', () => {
  it('cover every refusal reason, every message type and the Standard Webhooks published vector', () => {
    const reasons = new Set(vectors.flatMap((v) => (v.expected.ok ? [] : [v.expected.reason])));
    expect([...reasons].sort()).toEqual([...VERIFICATION_FAILURE_REASONS].sort());
    const specTypes = spec.components.schemas.BotMessage.oneOf.map((ref: { $ref: string }) => {
      const name = ref.$ref.split('/').pop()!;
      return spec.components.schemas[name].properties.type.const;
    });
    const validTypes = new Set(vectors.filter((v) => v.expected.ok && v.messageType).map((v) => v.messageType));
    expect([...validTypes].sort()).toEqual([...specTypes].sort());
    expect(vectors.find((v) => v.headers['webhook-signature'] === 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=')).toBeDefined();
  });

  it('give bodies that match the spec exactly when they are expected to be accepted as events', () => {
    for (const vector of vectors.filter((v) => v.level === 'event' && v.expected.ok)) {
      expect(() => assertBotMessageEvent(JSON.parse(vector.body)), vector.name).not.toThrow();
    }
    for (const vector of vectors.filter((v) => !v.expected.ok && v.expected.reason === 'invalid_body')) {
      expect(() => assertBotMessageEvent(JSON.parse(vector.body)), vector.name).toThrow();
    }
  });
});

describe.each([
  ['a string', (body: string) => body],
  ['bytes', (body: string) => new TextEncoder().encode(body)],
])('verifying each vector given the body as %s', (_form, asBody) => {
  it.each(vectors.map((v) => [v.name, v] as const))('%s', async (_name, vector) => {
    const result = await outcome(run(vector, asBody(vector.body)));
    if (vector.expected.ok) {
      if (!result.ok) throw result.error;
      if (vector.level === 'event') expect(result.value).toEqual(JSON.parse(vector.body));
      else expect(result.value).toEqual({ webhookId: vector.headers['webhook-id'], timestamp: vector.now });
    } else {
      expect(result.ok).toBe(false);
      const error = (result as { error: unknown }).error;
      expect(error).toBeInstanceOf(WebhookVerificationError);
      expect((error as WebhookVerificationError).reason).toBe(vector.expected.reason);
    }
  });
});

describe('a receiver built with the kit, given each event vector', () => {
  // The receiver checks signatures, not the body's verify token, and refuses bad secrets at start.
  const receivable = vectors.filter(
    (v) => v.level === 'event' && v.verifyToken === undefined && (v.expected.ok || v.expected.reason !== 'invalid_secret'),
  );

  it.each(receivable.map((v) => [v.name, v] as const))('%s', async (_name, vector) => {
    const handled: BotMessageEvent[] = [];
    const seenStore = memorySeenStore();
    for (const id of vector.seenIds ?? []) seenStore.add(id);
    const receive = createWebhookReceiver({
      secrets: vector.secrets,
      now: () => vector.now * 1000,
      seenStore,
      onMessage: (event) => void handled.push(event),
      onError: () => {},
    });
    const answer = await receive(
      { method: 'POST', query: new URLSearchParams(), headers: vector.headers, body: async () => vector.body },
      {},
    );
    if (vector.expected.ok) {
      expect(answer.status).toBe(200);
      expect(handled).toHaveLength(vector.expected.duplicate ? 0 : 1);
    } else {
      const reason = vector.expected.reason;
      expect(answer.status).toBe(reason === 'invalid_json' || reason === 'invalid_body' ? 400 : 401);
      expect(answer.body).toBe(reason);
      expect(handled).toHaveLength(0);
    }
  });
});
