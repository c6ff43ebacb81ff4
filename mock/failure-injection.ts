/**
 * Deliveries a correct receiver must refuse: a corrupted signature, a stale or future timestamp,
 * a tampered body, the wrong secret, a missing header, a body the spec does not allow. Each is
 * signed properly except for its one defect, so a refusal shows the receiver checks that defect.
 */
import { webhookHeaders, type VerificationFailureReason } from '../client/receiver/index.js';

/** A delivery before signing. */
export interface UnsignedDelivery {
  webhookId: string;
  /** Seconds since the epoch. */
  timestamp: number;
  body: string;
}

export interface SignedDelivery {
  headers: Record<string, string>;
  body: string;
}

export interface FailureKind {
  /** What the line printed for it says. */
  label: string;
  /** The reason a receiver built with the kit refuses it for. */
  expectedReason: VerificationFailureReason;
  make(delivery: UnsignedDelivery, secret: string): Promise<SignedDelivery>;
}

/** Outside the 5-minute tolerance of the receiver, either way. */
const SKEW_SECONDS = 600;
/** A secret the receiver cannot know. */
const STRANGER_SECRET = `whsec_${btoa('a-secret-nobody-configured!!')}`;

async function signed({ webhookId, timestamp, body }: UnsignedDelivery, secret: string): Promise<SignedDelivery> {
  return { headers: await webhookHeaders(secret, webhookId, timestamp, body), body };
}

/** Changes one base64 character of each signature, keeping it well-formed. */
function corrupt(signatureHeader: string): string {
  return signatureHeader
    .split(' ')
    .map((entry) => {
      const [version, mac = ''] = entry.split(',');
      const flipped = (mac[0] === 'A' ? 'B' : 'A') + mac.slice(1);
      return `${version},${flipped}`;
    })
    .join(' ');
}

export const FAILURE_KINDS = {
  signature: {
    label: 'corrupted signature',
    expectedReason: 'no_matching_signature',
    async make(delivery, secret) {
      const { headers, body } = await signed(delivery, secret);
      return { headers: { ...headers, 'webhook-signature': corrupt(headers['webhook-signature']!) }, body };
    },
  },
  stale: {
    label: `timestamp ${SKEW_SECONDS} s old`,
    expectedReason: 'timestamp_too_old',
    make: (delivery, secret) => signed({ ...delivery, timestamp: delivery.timestamp - SKEW_SECONDS }, secret),
  },
  future: {
    label: `timestamp ${SKEW_SECONDS} s ahead`,
    expectedReason: 'timestamp_too_new',
    make: (delivery, secret) => signed({ ...delivery, timestamp: delivery.timestamp + SKEW_SECONDS }, secret),
  },
  tampered: {
    label: 'body changed after signing',
    expectedReason: 'no_matching_signature',
    async make(delivery, secret) {
      const { headers } = await signed(delivery, secret);
      const event = JSON.parse(delivery.body);
      event.messageCounter += 1000;
      return { headers, body: JSON.stringify(event) };
    },
  },
  'wrong-secret': {
    label: 'signed with another secret',
    expectedReason: 'no_matching_signature',
    make: (delivery) => signed(delivery, STRANGER_SECRET),
  },
  'missing-header': {
    label: 'no webhook-signature header',
    expectedReason: 'missing_header',
    async make(delivery, secret) {
      const { headers, body } = await signed(delivery, secret);
      const { 'webhook-signature': _dropped, ...rest } = headers;
      return { headers: rest, body };
    },
  },
  'invalid-body': {
    label: 'body the spec does not allow',
    expectedReason: 'invalid_body',
    async make(delivery, secret) {
      const event = JSON.parse(delivery.body);
      event.message = { type: 'video', url: 'https://cdn.example.com/clip.mp4' };
      return signed({ ...delivery, body: JSON.stringify(event) }, secret);
    },
  },
} satisfies Record<string, FailureKind>;

export type FailureKindName = keyof typeof FAILURE_KINDS;
export const FAILURE_KIND_NAMES = Object.keys(FAILURE_KINDS) as FailureKindName[];

/** A small seeded generator (mulberry32), so `--fail-rate` with `--seed` repeats exactly. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
