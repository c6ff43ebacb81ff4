/**
 * Reading a request body (issue 10, items 1 and 2): every way the bytes can fail to be UTF-8 JSON
 * is a declared 4xx problem naming what was wrong, and nothing is decoded lossily.
 */
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstInvalidUtf8Offset } from '../../server/http/request-body.js';
import { assertResponseMatchesSpec, readWireResponse, type WireResponse } from '../support/contract.js';
import { SENDER, startTestServer, TEST_TOKEN, type TestServer } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ BODY_LIMIT_BYTES: '4096' });
});
afterAll(async () => server?.close());

const json = (text = 'hi') => Buffer.from(JSON.stringify({ sender: { id: SENDER }, message: { type: 'text', text } }));
/** `café` with é as the ISO-8859-1 byte 0xE9: not UTF-8. */
const latin1Cafe = Buffer.concat([Buffer.from('{"sender":{"id":"' + SENDER + '"},"message":{"type":"text","text":"caf'), Buffer.from([0xe9]), Buffer.from('"}}')]);

async function send(body: Uint8Array, headers: Record<string, string>): Promise<WireResponse> {
  const res = await readWireResponse(
    await fetch(`${server.url}/v1/bots/demo/channels/webhook/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json', ...headers },
      body: new Blob([new Uint8Array(body)]),
    }),
  );
  assertResponseMatchesSpec('sendMessage', res);
  return res;
}
const firstError = (res: WireResponse) => (res.body as { errors: Array<{ location: string; message: string }> }).errors[0]!;

describe('Content-Encoding', () => {
  it.each([
    ['gzip', gzipSync],
    ['x-gzip', gzipSync],
    ['deflate', deflateSync],
    ['deflate (raw, as some clients send it)', deflateRawSync],
    ['br', brotliCompressSync],
  ] as const)('undoes %s', async (name, compress) => {
    const res = await send(compress(json()), { 'content-encoding': name.split(' ')[0]! });
    expect(res.status).toBe(202);
  });

  it('undoes codings in the order they were applied (gzip, then br)', async () => {
    expect((await send(brotliCompressSync(gzipSync(json())), { 'content-encoding': 'gzip, br' })).status).toBe(202);
  });

  it.each(['gzip', 'br', 'deflate'])('refuses a plain JSON body labelled %s with 400 naming the encoding', async (coding) => {
    const res = await send(json(), { 'content-encoding': coding });
    expect(res.status).toBe(400);
    expect(firstError(res).location).toBe('header.content-encoding');
    expect(firstError(res).message).toContain(`not valid ${coding} data`);
  });

  it('refuses a gzip body cut short with 400 naming gzip', async () => {
    const whole = gzipSync(json());
    const res = await send(whole.subarray(0, whole.length - 8), { 'content-encoding': 'gzip' });
    expect(res.status).toBe(400);
    expect(firstError(res)).toMatchObject({ location: 'header.content-encoding', message: expect.stringContaining('gzip') });
  });

  it('refuses a coding it does not undo with 415 naming it', async () => {
    const res = await send(json(), { 'content-encoding': 'zstd' });
    expect(res.status).toBe(415);
    expect(firstError(res)).toMatchObject({ location: 'header.content-encoding', message: expect.stringContaining('zstd') });
  });

  it('counts what a coding expands to against the body limit (413)', async () => {
    const bomb = gzipSync(json('x'.repeat(64 * 1024)));
    expect(bomb.length).toBeLessThan(4096);
    expect((await send(bomb, { 'content-encoding': 'gzip' })).status).toBe(413);
  });
});

describe('charset', () => {
  it.each([
    ['charset=utf-8', 'application/json; charset=utf-8'],
    ['no charset', 'application/json'],
  ])('refuses invalid UTF-8 (0xE9) with %s: 400, not a U+FFFD', async (_name, contentType) => {
    const res = await send(latin1Cafe, { 'content-type': contentType });
    expect(res.status).toBe(400);
    expect(firstError(res)).toEqual({ location: 'body', message: `is not valid UTF-8 (at byte ${latin1Cafe.indexOf(0xe9)})` });
  });

  it('refuses a charset it does not decode with 415 naming it', async () => {
    const res = await send(latin1Cafe, { 'content-type': 'application/json; charset=iso-8859-1' });
    expect(res.status).toBe(415);
    expect(firstError(res)).toMatchObject({ location: 'header.content-type', message: expect.stringContaining('iso-8859-1') });
  });

  it('accepts UTF-8 however the charset is spelled, and keeps every character', async () => {
    for (const contentType of ['application/json; charset=UTF-8', 'application/json;charset="utf8"']) {
      const res = await send(json('café 👍🏽'), { 'content-type': contentType });
      expect(res.status).toBe(202);
    }
    const history = await server.call('listConversationMessages', { params: { senderId: SENDER }, query: { limit: 100 } });
    const texts = (history.body as { rows: Array<{ actor: string; message: { text?: string } }> }).rows.filter((r) => r.actor === 'user').map((r) => r.message.text);
    expect(texts).toContain('café 👍🏽');
    expect(texts.some((t) => t?.includes('\uFFFD'))).toBe(false);
  });
});

describe('firstInvalidUtf8Offset', () => {
  const cases: Array<[string, { given: number[]; want: number }]> = [
    ['valid ASCII and multi-byte text', { given: [...Buffer.from('café 👍')], want: -1 }],
    ['a Latin-1 byte', { given: [0x63, 0xe9, 0x20], want: 1 }],
    ['a sequence cut at the end', { given: [0x61, 0xe2, 0x82], want: 1 }],
    ['an overlong encoding of /', { given: [0xc0, 0xaf], want: 0 }],
    ['a UTF-16 surrogate', { given: [0xed, 0xa0, 0x80], want: 0 }],
    ['past U+10FFFF', { given: [0xf4, 0x90, 0x80, 0x80], want: 0 }],
  ];
  it.each(cases)('%s', (_name, { given, want }) => {
    expect(firstInvalidUtf8Offset(Uint8Array.from(given))).toBe(want);
    // The decoder that refuses agrees.
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(given))).toSatisfy((decode: () => void) => {
      try {
        decode();
        return want === -1;
      } catch {
        return want !== -1;
      }
    });
  });
});
