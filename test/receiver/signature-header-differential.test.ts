/**
 * Issue 10, item 15: the kit accepts exactly the `webhook-signature` headers the reference
 * `standardwebhooks` library accepts, and refuses what it refuses. fast-check generates headers
 * from valid signatures, signatures by another secret, unknown versions, malformed entries and
 * odd spacing; both verify each against the same body, id and timestamp.
 */
import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhookSignature, WebhookVerificationError } from '../../client/receiver/index.js';

const SECRET = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
const OTHER = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const ID = 'msg_differential';
const BODY = '{"test":2432232314}';

async function referenceAccepts(headers: Record<string, string>): Promise<boolean> {
  try {
    new Webhook(SECRET).verify(BODY, headers);
    return true;
  } catch {
    return false;
  }
}

async function kitAccepts(headers: Record<string, string>): Promise<boolean> {
  try {
    await verifyWebhookSignature(BODY, headers, SECRET);
    return true;
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookVerificationError);
    return false;
  }
}

describe('webhook-signature headers, the kit against the standardwebhooks library', () => {
  it('accept and refuse the same generated headers', async () => {
    // The reference reads the clock itself: sign at the current second, far from the tolerance's edges.
    const timestamp = Math.floor(Date.now() / 1000);
    const good = (await signWebhook(SECRET, ID, timestamp, BODY)).slice(3);
    const wrong = (await signWebhook(OTHER, ID, timestamp, BODY)).slice(3);
    const entry = fc.oneof(
      fc.constant(`v1,${good}`),
      fc.constant(`v1,${wrong}`),
      fc.constantFrom('v1a', 'v2', 'V1', 'v1 ', ' v1', '', 'v0').map((version) => `${version},${good}`),
      fc.constantFrom(
        'v1',
        'v1,',
        `,${good}`,
        `v1,${good.replace(/=+$/, '')}`, // unpadded base64
        `v1,${good},extra`,
        `v1,${good}\tv1,${wrong}`,
        `v1,${good.toLowerCase()}`,
        'v1,!!!not-base64!!!',
        `v1,${good.slice(0, -4)}`,
      ),
      fc.string({ maxLength: 12 }),
    );
    const separator = fc.constantFrom(' ', '  ', '   ', '\t', ', ', ',');
    const header = fc
      .tuple(fc.array(fc.tuple(entry, separator), { minLength: 1, maxLength: 4 }), fc.constantFrom('', ' ', '  '), fc.constantFrom('', ' '))
      .map(([parts, lead, trail]) => lead + parts.map(([e, sep], i) => (i === parts.length - 1 ? e : e + sep)).join('') + trail);

    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(header, async (signature) => {
        const headers = { 'webhook-id': ID, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature };
        const want = await referenceAccepts(headers);
        if (want) accepted++;
        expect(await kitAccepts(headers)).toBe(want);
      }),
      // Pinned, so a failure repeats; fast-check's own version is pinned in package.json.
      { seed: 20261129, numRuns: 600 },
    );
    // The generator reaches both answers.
    expect(accepted).toBeGreaterThan(50);
  });

  it.each([
    ['a valid signature after a malformed entry', (good: string) => `garbage v1,${good}`, true],
    ['a valid signature with text after a second comma', (good: string) => `v1,${good},x`, true],
    ['two spaces between entries', (good: string) => `v2,abc  v1,${good}`, true],
    ['a valid signature without its base64 padding', (good: string) => `v1,${good.replace(/=+$/, '')}`, false],
    ['a tab as separator', (good: string) => `v2,abc\tv1,${good}`, false],
    ['a leading tab', (good: string) => `\tv1,${good}`, false],
  ])('agree on %s', async (_name, make, want) => {
    const timestamp = Math.floor(Date.now() / 1000);
    const good = (await signWebhook(SECRET, ID, timestamp, BODY)).slice(3);
    const headers = { 'webhook-id': ID, 'webhook-timestamp': String(timestamp), 'webhook-signature': make(good) };
    expect(await referenceAccepts(headers)).toBe(want);
    expect(await kitAccepts(headers)).toBe(want);
  });
});
