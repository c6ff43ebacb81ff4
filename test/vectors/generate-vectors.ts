/**
 * Writes test/vectors/webhook-vectors.json, the receiver conformance vectors. Run it by hand
 * (`npx tsx test/vectors/generate-vectors.ts`) when adding a vector; the JSON is committed and
 * tests only read it. Signatures are made here with node:crypto, not with the receiver kit, so
 * the vectors check the kit rather than echo it.
 */
import { createHmac } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { WebhookVector } from './vector.js';

const OUTPUT_PATH = fileURLToPath(new URL('./webhook-vectors.json', import.meta.url));
const spec = parse(readFileSync(new URL('../../spec/openapi.yaml', import.meta.url), 'utf8'));

const NOW = 1732672800;
const CURRENT_SECRET = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
const PREVIOUS_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const WRONG_SECRET = `whsec_${Buffer.from('not-the-channel-secret!!').toString('base64')}`;
const VERIFY_TOKEN = '8wMsLZkdDPT64nqh';
const ID = 'msg_2Kq9ZrX8wH3nV5bT7yL1cD4f';

function sign(secret: string, id: string, timestamp: number | string, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

function headers(id: string, timestamp: number | string, signature: string): Record<string, string> {
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature };
}

function resolveRef(node: any): any {
  while (node?.$ref) node = node.$ref.slice(2).split('/').reduce((at: any, key: string) => at[key], spec);
  return node;
}

const examples = Object.values<any>(spec.webhooks.botMessage.post.requestBody.content['application/json'].examples).map(
  (example) => resolveRef(example).value,
);
const textEvent = examples.find((e) => e.message.type === 'text');
const TEXT_BODY = JSON.stringify(textEvent);

type Vector = WebhookVector;
type Expected = WebhookVector['expected'];

const vectors: Vector[] = [];
function add(vector: Omit<Vector, 'level' | 'now' | 'secrets'> & Partial<Pick<Vector, 'level' | 'now' | 'secrets'>>): void {
  const { name, description, level = 'event', messageType, secrets = [CURRENT_SECRET], headers, body, now = NOW, verifyToken, seenIds, expected } = vector;
  // A fixed key order keeps the JSON readable: what it is, what the receiver knows, the request, the answer.
  vectors.push({ name, description, level, messageType, secrets, verifyToken, seenIds, now, headers, body, expected });
}
const ok: Expected = { ok: true };
const refused = (reason: string): Expected => ({ ok: false, reason });

// The Standard Webhooks published vector (its libraries' tests). Its body is not a bot message.
const SW = { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', id: 'msg_p5jXN8AQM9LWM0D4loKWxJek', timestamp: 1614265330, body: '{"test": 2432232314}' };
const SW_SIGNATURE = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';
if (sign(SW.secret, SW.id, SW.timestamp, SW.body) !== SW_SIGNATURE) throw new Error('the published Standard Webhooks vector does not reproduce');
add({
  name: 'standard-webhooks-published-vector',
  description: 'The test vector published with the Standard Webhooks libraries, checked at the signature level.',
  level: 'signature',
  secrets: [SW.secret],
  headers: headers(SW.id, SW.timestamp, SW_SIGNATURE),
  body: SW.body,
  now: SW.timestamp,
  expected: ok,
});
add({
  name: 'standard-webhooks-published-vector-is-not-a-bot-message',
  description: 'The same delivery checked in full: the signature holds but the body is not a BotMessageEvent.',
  secrets: [SW.secret],
  headers: headers(SW.id, SW.timestamp, SW_SIGNATURE),
  body: SW.body,
  now: SW.timestamp,
  expected: refused('invalid_body'),
});

for (const event of examples) {
  const body = JSON.stringify(event);
  add({
    name: `valid-${event.message.type.replace(/_/g, '-')}`,
    description: `A valid ${event.message.type} message, signed with the current secret.`,
    messageType: event.message.type,
    headers: headers(`msg_valid_${event.message.type}`, NOW, sign(CURRENT_SECRET, `msg_valid_${event.message.type}`, NOW, body)),
    body,
    expected: ok,
  });
}

const pretty = JSON.stringify(textEvent, null, 2);
add({
  name: 'valid-pretty-printed-body',
  description: 'Whitespace is part of the signed bytes: a receiver that re-serializes the body fails here.',
  messageType: 'text',
  headers: headers(ID, NOW, sign(CURRENT_SECRET, ID, NOW, pretty)),
  body: pretty,
  expected: ok,
});
const unicode = JSON.stringify({ ...textEvent, message: { type: 'text', text: 'Héllo 👋 — ça va? 日本語' } });
add({
  name: 'valid-unicode-body',
  description: 'Multi-byte UTF-8 text: the HMAC covers the UTF-8 bytes.',
  messageType: 'text',
  headers: headers(ID, NOW, sign(CURRENT_SECRET, ID, NOW, unicode)),
  body: unicode,
  expected: ok,
});
add({
  name: 'header-names-in-any-case',
  description: 'HTTP header names are case-insensitive.',
  messageType: 'text',
  headers: { 'Webhook-Id': ID, 'WEBHOOK-TIMESTAMP': String(NOW), 'Webhook-Signature': sign(CURRENT_SECRET, ID, NOW, TEXT_BODY) },
  body: TEXT_BODY,
  expected: ok,
});

add({
  name: 'tampered-body',
  description: 'The body was changed after signing.',
  headers: headers(ID, NOW, sign(CURRENT_SECRET, ID, NOW, TEXT_BODY)),
  body: TEXT_BODY.replace("Hi Ada! I'm the demo bot.", "Hi Ada! I'm an impostor."),
  expected: refused('no_matching_signature'),
});
add({
  name: 'tampered-webhook-id',
  description: 'The webhook-id was changed after signing (it is signed too).',
  headers: headers('msg_other', NOW, sign(CURRENT_SECRET, ID, NOW, TEXT_BODY)),
  body: TEXT_BODY,
  expected: refused('no_matching_signature'),
});
add({
  name: 'tampered-timestamp',
  description: 'The timestamp was moved by one second after signing (still within tolerance).',
  headers: headers(ID, NOW - 1, sign(CURRENT_SECRET, ID, NOW, TEXT_BODY)),
  body: TEXT_BODY,
  expected: refused('no_matching_signature'),
});
add({
  name: 'wrong-secret',
  description: 'Signed with a secret the receiver does not know.',
  headers: headers(ID, NOW, sign(WRONG_SECRET, ID, NOW, TEXT_BODY)),
  body: TEXT_BODY,
  expected: refused('no_matching_signature'),
});

const rotating = `${sign(PREVIOUS_SECRET, ID, NOW, TEXT_BODY)} ${sign(CURRENT_SECRET, ID, NOW, TEXT_BODY)}`;
add({
  name: 'rotation-two-signatures-receiver-has-new-secret',
  description: 'During a rotation the sender signs with both secrets; a receiver already on the new one accepts.',
  headers: headers(ID, NOW, rotating),
  body: TEXT_BODY,
  expected: ok,
});
add({
  name: 'rotation-two-signatures-receiver-has-old-secret-only',
  description: 'During a rotation, a receiver still on the old secret accepts too.',
  secrets: [PREVIOUS_SECRET],
  headers: headers(ID, NOW, rotating),
  body: TEXT_BODY,
  expected: ok,
});
add({
  name: 'rotation-receiver-has-both-secrets',
  description: 'A receiver configured with both secrets accepts a delivery signed with the old one only.',
  secrets: [CURRENT_SECRET, PREVIOUS_SECRET],
  headers: headers(ID, NOW, sign(PREVIOUS_SECRET, ID, NOW, TEXT_BODY)),
  body: TEXT_BODY,
  expected: ok,
});
add({
  name: 'rotation-old-secret-retired',
  description: 'After the grace period the receiver dropped the old secret: a delivery signed only with it is refused.',
  headers: headers(ID, NOW, sign(PREVIOUS_SECRET, ID, NOW, TEXT_BODY)),
  body: TEXT_BODY,
  expected: refused('no_matching_signature'),
});
add({
  name: 'unknown-signature-versions-are-skipped',
  description: 'Entries of other versions (v1a, ed25519) are skipped; the v1 one matches.',
  headers: headers(ID, NOW, `v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg== ${sign(CURRENT_SECRET, ID, NOW, TEXT_BODY)}`),
  body: TEXT_BODY,
  expected: ok,
});
add({
  name: 'no-v1-signature',
  description: 'Only a signature of a version the receiver does not check.',
  headers: headers(ID, NOW, 'v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg=='),
  body: TEXT_BODY,
  expected: refused('no_matching_signature'),
});

for (const [name, offset, expected, description] of [
  ['timestamp-at-past-tolerance', -300, ok, 'Signed exactly 300 s before the receiver clock: still accepted.'],
  ['timestamp-stale', -301, refused('timestamp_too_old'), 'Signed 301 s before the receiver clock: a possible replay.'],
  ['timestamp-an-hour-old', -3600, refused('timestamp_too_old'), 'A captured delivery replayed an hour later.'],
  ['timestamp-at-future-tolerance', 300, ok, 'Dated exactly 300 s ahead (clock skew): still accepted.'],
  ['timestamp-in-the-future', 301, refused('timestamp_too_new'), 'Dated 301 s ahead of the receiver clock.'],
] as const) {
  add({ name, description, headers: headers(ID, NOW + offset, sign(CURRENT_SECRET, ID, NOW + offset, TEXT_BODY)), body: TEXT_BODY, expected });
}

const valid = headers(ID, NOW, sign(CURRENT_SECRET, ID, NOW, TEXT_BODY));
for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
  const { [name]: _left, ...rest } = valid;
  add({ name: `missing-${name}`, description: `No ${name} header.`, headers: rest, body: TEXT_BODY, expected: refused('missing_header') });
}
add({ name: 'empty-webhook-signature', description: 'An empty webhook-signature counts as missing.', headers: { ...valid, 'webhook-signature': '' }, body: TEXT_BODY, expected: refused('missing_header') });
add({ name: 'timestamp-not-a-number', description: 'webhook-timestamp must be whole seconds.', headers: { ...valid, 'webhook-timestamp': 'yesterday' }, body: TEXT_BODY, expected: refused('invalid_header') });
add({ name: 'timestamp-in-milliseconds-with-fraction', description: 'A fractional timestamp is not whole seconds.', headers: { ...valid, 'webhook-timestamp': `${NOW}.5` }, body: TEXT_BODY, expected: refused('invalid_header') });
add({ name: 'signature-header-malformed', description: 'webhook-signature is not a list of "version,signature".', headers: { ...valid, 'webhook-signature': 'garbage' }, body: TEXT_BODY, expected: refused('invalid_header') });

const notJson = 'senderId=a7355930-fa92-11e7-8308-2f056e75d1ee&text=hi';
add({ name: 'signed-body-not-json', description: 'Correctly signed, but not JSON.', headers: headers(ID, NOW, sign(CURRENT_SECRET, ID, NOW, notJson)), body: notJson, expected: refused('invalid_json') });
const unknownType = JSON.stringify({ ...textEvent, message: { type: 'video', url: 'https://cdn.example.com/a.mp4' } });
add({ name: 'signed-body-unknown-message-type', description: 'Correctly signed JSON whose message type the spec does not define.', headers: headers(ID, NOW, sign(CURRENT_SECRET, ID, NOW, unknownType)), body: unknownType, expected: refused('invalid_body') });
const { messageCounter: _counter, ...withoutCounter } = textEvent;
const noCounter = JSON.stringify(withoutCounter);
add({ name: 'signed-body-missing-field', description: 'Correctly signed JSON without the required messageCounter.', headers: headers(ID, NOW, sign(CURRENT_SECRET, ID, NOW, noCounter)), body: noCounter, expected: refused('invalid_body') });
const badButtons = JSON.stringify(examples.find((e) => e.message.type === 'buttons')).replace('"title":"English"', '"title":"A title far longer than twenty characters"');
add({ name: 'signed-body-button-title-too-long', description: 'A nested constraint of the spec (ButtonTitle maxLength 20).', headers: headers(ID, NOW, sign(CURRENT_SECRET, ID, NOW, badButtons)), body: badButtons, expected: refused('invalid_body') });

add({ name: 'verify-token-matches', description: "The receiver also checks the body's verifyToken, the platform's old way, and it matches.", verifyToken: VERIFY_TOKEN, headers: valid, body: TEXT_BODY, expected: ok });
add({ name: 'verify-token-mismatch', description: "The body's verifyToken is not the receiver's.", verifyToken: 'a-different-token', headers: valid, body: TEXT_BODY, expected: refused('verify_token_mismatch') });
// A channel configured without a verify token sends bodies without the field (not "" nor null).
const { verifyToken: _token, ...withoutToken } = textEvent;
const noToken = JSON.stringify(withoutToken);
const noTokenHeaders = headers(ID, NOW, sign(CURRENT_SECRET, ID, NOW, noToken));
add({ name: 'no-verify-token-expected-none', description: 'A channel without a verify token: the body has no verifyToken field, and a receiver that expects none accepts it.', headers: noTokenHeaders, body: noToken, expected: ok });
add({ name: 'no-verify-token-but-one-expected', description: 'The body has no verifyToken but the receiver expects one.', verifyToken: VERIFY_TOKEN, headers: noTokenHeaders, body: noToken, expected: refused('verify_token_mismatch') });

add({ name: 'secret-not-base64', description: 'A receiver misconfigured with a secret that is not whsec_ and base64.', secrets: ['whsec_not base64!'], headers: valid, body: TEXT_BODY, expected: refused('invalid_secret') });
add({ name: 'secret-too-short', description: 'Standard Webhooks secrets have 24 to 64 bytes; this one has 5.', secrets: [`whsec_${Buffer.from('short').toString('base64')}`], headers: valid, body: TEXT_BODY, expected: refused('invalid_secret') });

add({
  name: 'duplicate-webhook-id',
  description: 'A retry of a delivery already handled: it verifies, and a receiver acknowledges it (2xx) without handling it again.',
  seenIds: [ID],
  headers: valid,
  body: TEXT_BODY,
  expected: { ok: true, duplicate: true },
});

const document = {
  description:
    'Receiver conformance vectors for the botMessage webhook (spec/openapi.yaml). Each vector gives the secrets the receiver knows, the request headers, the raw body (UTF-8 text, byte for byte as sent), the receiver clock `now` (seconds since the epoch), and the expected result: `ok`, or the `reason` it is refused for. Written by test/vectors/generate-vectors.ts.',
  signatureScheme:
    'Standard Webhooks 1.0: webhook-signature holds space-separated `v1,<base64 HMAC-SHA256>` entries, keyed with the base64-decoded part of the whsec_ secret, over `{webhook-id}.{webhook-timestamp}.{body}`.',
  toleranceSeconds: 300,
  levels: {
    signature: 'Only the headers, the timestamp and the signature are checked.',
    event: 'Everything: then the body must be JSON and a valid BotMessageEvent, and, when the vector has `verifyToken`, carry that verify token.',
  },
  checkOrder: ['invalid_secret', 'missing_header', 'invalid_header', 'timestamp_too_old', 'timestamp_too_new', 'no_matching_signature', 'invalid_json', 'invalid_body', 'verify_token_mismatch'],
  duplicates: 'A vector with `seenIds` lists webhook-ids the receiver has already handled; `duplicate: true` means acknowledge (2xx) without handling.',
  vectors,
};
writeFileSync(OUTPUT_PATH, `${JSON.stringify(document, null, 2)}\n`);
console.log(`wrote ${vectors.length} vectors to ${OUTPUT_PATH}`);
