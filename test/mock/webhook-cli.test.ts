/**
 * The webhook mock against receivers on 127.0.0.1: one built with the kit, one that accepts
 * anything, one that refuses everything. Deliveries, handshake, duplicates, failure injection
 * and the exit code.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../client/receiver/index.js';
import { startExampleReceiver, type ExampleReceiver } from '../../mock/example-receiver.js';
import { FAILURE_KINDS, FAILURE_KIND_NAMES } from '../../mock/failure-injection.js';
import { DEMO_SECRET, DEMO_VERIFY_TOKEN, main } from '../../mock/webhook-cli.js';
import { assertBotMessageEvent, resolve, spec } from '../support/contract.js';
import { freePort } from '../support/child-output.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const SECRET = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
const SPEC_TYPES: string[] = Object.values<any>(spec.webhooks.botMessage.post.requestBody.content['application/json'].examples).map(
  (example) => resolve(example, '').node.value.message.type,
);

/** Runs the CLI and collects what it prints. */
async function run(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (line) => void out.push(line), err: (line) => void err.push(line), sleep: async () => {} });
  return { code, out, err };
}

describe('the webhook mock against a receiver built with the kit', () => {
  let receiver: ExampleReceiver;

  beforeAll(async () => {
    receiver = await startExampleReceiver({ port: 0, secrets: SECRET, verifyToken: 'my-verify-token', log: () => {} });
  });
  afterAll(async () => {
    await receiver?.close();
  });
  beforeEach(() => {
    receiver.events.length = 0;
    receiver.refusals.length = 0;
  });

  it('delivers every message type of the spec, each verified, in messageCounter order, and exits 0', async () => {
    const { code, out } = await run(['--url', receiver.url, '--secret', SECRET, '--verify-token', 'my-verify-token']);
    expect(code).toBe(0);
    expect(receiver.events.map((e) => e.message.type)).toEqual(SPEC_TYPES);
    expect(receiver.events.map((e) => e.messageCounter)).toEqual(SPEC_TYPES.map((_, i) => i + 1));
    for (const event of receiver.events) assertBotMessageEvent(event);
    expect(new Set(receiver.events.map((e) => e.messageId)).size).toBe(SPEC_TYPES.length);
    expect(receiver.events.every((e) => e.verifyToken === 'my-verify-token')).toBe(true);
    expect(out.filter((line) => line.startsWith('✓ #'))).toHaveLength(SPEC_TYPES.length);
    expect(out.at(-1)).toBe(`${SPEC_TYPES.length} accepted, 0 refused as expected, 0 unexpected.`);
  });

  it('sends only the chosen type, as many times as asked, with fresh ids and the sender given', async () => {
    const sender = 'b8466041-0b03-4f1c-9e2a-3c4d5e6f7a8b';
    const { code } = await run(['--url', receiver.url, '--secret', SECRET, '--type', 'carousel', '--repeat', '3', '--sender', sender]);
    expect(code).toBe(0);
    expect(receiver.events.map((e) => [e.message.type, e.messageCounter, e.senderId, e.recipient.id])).toEqual([
      ['carousel', 1, sender, sender],
      ['carousel', 2, sender, sender],
      ['carousel', 3, sender, sender],
    ]);
  });

  it('checks the handshake echo and that a wrong verify token is refused', async () => {
    const { code, out } = await run(['--url', receiver.url, '--secret', SECRET, '--verify-token', 'my-verify-token', '--handshake', '--type', 'text']);
    expect(code).toBe(0);
    expect(out).toContainEqual(expect.stringMatching(/^✓ handshake echoes hub.challenge: 200 \d+$/));
    expect(out).toContainEqual('✓ handshake with a wrong verify token is refused: 403 verify_token_mismatch');
  });

  it('exits 1 when the handshake fails', async () => {
    const { code, out } = await run(['--url', receiver.url, '--secret', SECRET, '--verify-token', 'not-the-token', '--handshake', '--type', 'text']);
    expect(code).toBe(1);
    expect(out).toContainEqual(expect.stringMatching(/^✗ handshake echoes hub.challenge: 403/));
  });

  it('sends a retry with the same webhook-id that is acknowledged but not handled twice', async () => {
    const { code, out } = await run(['--url', receiver.url, '--secret', SECRET, '--type', 'list', '--duplicate']);
    expect(code).toBe(0);
    expect(receiver.events).toHaveLength(1);
    expect(out).toContainEqual(expect.stringMatching(/same webhook-id again → 200 duplicate$/));
  });

  it.each(FAILURE_KIND_NAMES.map((name) => [name, FAILURE_KINDS[name].expectedReason] as const))(
    'injects a %s defect, which the receiver refuses for %s',
    async (kind, reason) => {
      const { code, out } = await run(['--url', receiver.url, '--secret', SECRET, '--type', 'text', '--fail-first', '1', '--fail-with', kind]);
      expect(code).toBe(0);
      expect(receiver.refusals).toEqual([reason]);
      expect(receiver.events).toHaveLength(0);
      expect(out).toContainEqual(expect.stringContaining(`→ ${reason === 'invalid_body' ? 400 : 401} ${reason} · refused, as expected`));
    },
  );

  // Issue 10, item 16: the example receiver said nothing of the handshake or of a duplicate it dropped.
  it('the example receiver logs the handshake and says when it drops a duplicate', async () => {
    const lines: string[] = [];
    const logging = await startExampleReceiver({ port: 0, secrets: SECRET, verifyToken: 'my-verify-token', log: (line) => void lines.push(line) });
    try {
      const { code } = await run(['--url', logging.url, '--secret', SECRET, '--verify-token', 'my-verify-token', '--handshake', '--duplicate', '--type', 'text']);
      expect(code).toBe(0);
      expect(lines).toContainEqual(expect.stringMatching(/^↔ handshake: echoed hub.challenge [1-9][0-9]{14}$/));
      expect(lines).toContainEqual('✗ handshake refused (verify_token_mismatch)');
      expect(lines).toContainEqual(expect.stringMatching(/^↺ duplicate msg_\w+ dropped: already handled/));
      expect(logging.events).toHaveLength(1);
    } finally {
      await logging.close();
    }
  });

  // Issue 10, item 16: with N above the number of examples, every delivery was defective.
  it('cycles the examples when --fail-first covers every delivery, and says so', async () => {
    const { code, out } = await run(['--url', receiver.url, '--secret', SECRET, '--fail-first', String(SPEC_TYPES.length + 1)]);
    expect(code).toBe(0);
    expect(out).toContainEqual(expect.stringMatching(/the examples cycle, \d+ deliveries, the last \d+ intact/));
    expect(receiver.refusals).toHaveLength(SPEC_TYPES.length + 1);
    expect(receiver.events.map((e) => e.message.type)).toEqual(SPEC_TYPES);
  });

  // A newcomer's finding: `--fail-with stale,tampered` alone injected nothing ("0 refused as expected").
  it('sends one delivery with each defect first when --fail-with comes alone, then the rest intact, and says so', async () => {
    const { code, out } = await run(['--url', receiver.url, '--secret', SECRET, '--fail-with', 'stale,tampered']);
    expect(code).toBe(0);
    expect(out).toContainEqual(expect.stringMatching(/^--fail-with alone: the first 2 deliveries carry one defect each \(stale, tampered\)/));
    expect(receiver.refusals).toEqual([FAILURE_KINDS.stale.expectedReason, FAILURE_KINDS.tampered.expectedReason]);
    expect(receiver.events.map((e) => e.message.type)).toEqual(SPEC_TYPES.slice(2));
    expect(out.at(-1)).toBe(`${SPEC_TYPES.length - 2} accepted, 2 refused as expected, 0 unexpected.`);
  });

  it('sends one delivery with each defect for --fail-with all alone, cycling the examples so each is also sent intact', async () => {
    const { code } = await run(['--url', receiver.url, '--secret', SECRET, '--type', 'text', '--fail-with', 'all']);
    expect(code).toBe(0);
    expect(receiver.refusals).toEqual(FAILURE_KIND_NAMES.map((name) => FAILURE_KINDS[name].expectedReason));
    expect(receiver.events.map((e) => e.message.type)).toEqual(['text']);
  });

  it('mixes injected failures and valid deliveries with --fail-rate, repeatably with --seed', async () => {
    const args = ['--url', receiver.url, '--secret', SECRET, '--type', 'text', '--repeat', '20', '--fail-rate', '0.5', '--seed', '7'];
    const first = await run(args);
    const handled = receiver.events.length;
    const refused = receiver.refusals.length;
    expect(first.code).toBe(0);
    expect(handled + refused).toBe(20);
    expect(handled).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
    // Accepted deliveries keep a gapless messageCounter; injected ones never consume one.
    expect(receiver.events.map((e) => e.messageCounter)).toEqual(Array.from({ length: handled }, (_, i) => i + 1));
    receiver.events.length = 0;
    receiver.refusals.length = 0;
    await run(args);
    expect([receiver.events.length, receiver.refusals.length]).toEqual([handled, refused]);
  });

  it('waits --latency-ms before each delivery', async () => {
    const sleeps: number[] = [];
    const code = await main(['--url', receiver.url, '--secret', SECRET, '--type', 'text', '--repeat', '2', '--latency-ms', '250'], {
      out: () => {},
      err: () => {},
      sleep: async (ms) => void sleeps.push(ms),
    });
    expect(code).toBe(0);
    expect(sleeps).toEqual([250, 250]);
  });

  it('exits 1 when its deliveries are refused (a receiver with another secret)', async () => {
    const { code, out } = await run(['--url', receiver.url, '--type', 'text']);
    expect(code).toBe(1);
    expect(out).toContainEqual(expect.stringMatching(/→ 401 no_matching_signature · \d+ ms · not accepted$/));
  });
});

describe('the webhook mock against a receiver that accepts anything', () => {
  let recorder: WebhookReceiver;
  beforeAll(async () => {
    recorder = await startWebhookReceiver({ answer: () => ({ status: 200, body: 'ok' }) });
  });
  afterAll(async () => {
    await recorder?.close();
  });

  it('exits 1 when an injected failure is accepted', async () => {
    const { code, out } = await run(['--url', recorder.url, '--type', 'text', '--fail-first', '1']);
    expect(code).toBe(1);
    expect(out).toContainEqual(expect.stringContaining('ACCEPTED a delivery it must refuse'));
  });

  it('signs with the demo secret by default and says so', async () => {
    recorder.received.length = 0;
    const { code, out } = await run(['--url', recorder.url, '--type', 'media']);
    expect(code).toBe(0);
    expect(out.join('\n')).toContain(DEMO_SECRET);
    const [request] = recorder.received;
    expect(request!.headers['content-type']).toBe('application/json');
    const event = await verifyWebhook(request!.rawBody, request!.headers, DEMO_SECRET);
    expect(event.verifyToken).toBe(DEMO_VERIFY_TOKEN);
    expect(Date.parse(event.timestamp)).toBeGreaterThan(Date.now() - 60_000);
  });
});

describe('the webhook mock given wrong options', () => {
  it.each([
    ['no URL', []],
    ['a URL that is not http', ['--url', 'ftp://127.0.0.1/x']],
    ['an unknown type', ['--url', 'http://127.0.0.1:9/x', '--type', 'hologram']],
    ['a fail rate above 1', ['--url', 'http://127.0.0.1:9/x', '--fail-rate', '2']],
    ['an unknown defect', ['--url', 'http://127.0.0.1:9/x', '--fail-with', 'gremlins']],
    ['a seed without --fail-rate, which it would not change', ['--url', 'http://127.0.0.1:9/x', '--fail-with', 'stale', '--seed', '3']],
    ['a sender the spec refuses', ['--url', 'http://127.0.0.1:9/x', '--sender', 'not a valid id']],
    ['a malformed secret', ['--url', 'http://127.0.0.1:9/x', '--secret', 'whsec_nope']],
    ['an unknown option', ['--url', 'http://127.0.0.1:9/x', '--colour', 'red']],
  ])('exits 2 for %s, before sending anything', async (_name, args) => {
    const { code, err } = await run(args);
    expect(code).toBe(2);
    expect(err.join('\n')).not.toBe('');
  });

  it('lists the examples with --list', async () => {
    const { code, out } = await run(['--list']);
    expect(code).toBe(0);
    expect(out.map((line) => line.split(/\s+/)[0])).toEqual(SPEC_TYPES);
  });

  it('reports a receiver that does not answer, and exits 1', async () => {
    const port = await freePort(); // free, and nothing listens there
    const { code, out } = await run(['--url', `http://127.0.0.1:${port}/webhook`, '--type', 'text']);
    expect(code).toBe(1);
    expect(out).toContainEqual(expect.stringMatching(/no answer \(ECONNREFUSED\)/));
  });
});
