/**
 * The request validators `npm run build` compiles ahead of time (server/http/build-validators.ts)
 * must answer exactly as those compiled at run time: the same 400s naming the same fields, the
 * same coerced query, for every kind of part (body, path, query, header).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderPrecompiledValidators } from '../../server/http/build-validators.js';
import { loadPrecompiledValidators } from '../../server/http/precompiled-validators.js';
import { createRequestValidator, type RawRequest, type RequestValidator } from '../../server/http/request-validator.js';
import type { ServedOperationId } from '../../server/http/handler.js';
import { loadSpecDocument } from '../../server/spec-document.js';
import { Problem } from '../../server/problem.js';

const SENDER = 'a7355930-fa92-11e7-8308-2f056e75d1ee';
// Inside the package, so that the module's require() calls find Ajv in node_modules.
const dir = join(import.meta.dirname, '../../.cache', `precompiled-${randomUUID()}`);
const file = join(dir, 'request-validators.cjs');
let compiledNow: RequestValidator;
let compiledAtBuild: RequestValidator;

beforeAll(async () => {
  const spec = loadSpecDocument();
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, await renderPrecompiledValidators(spec));
  const precompiled = loadPrecompiledValidators(spec, file);
  expect(precompiled?.size).toBeGreaterThan(10);
  compiledNow = await createRequestValidator(spec, { precompiled: undefined });
  compiledAtBuild = await createRequestValidator(spec, { precompiled });
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const json = { 'content-type': 'application/json' };
const send = (body: unknown, headers: Record<string, string> = {}): RawRequest => ({
  method: 'POST',
  path: '/v1/bots/demo/channels/webhook/messages',
  headers: { ...json, ...headers },
  params: { botId: 'demo' },
  query: {},
  body,
});
const history = (query: Record<string, unknown>, senderId = SENDER): RawRequest => ({
  method: 'GET',
  path: `/v1/bots/demo/conversations/${senderId}/messages`,
  headers: {},
  params: { botId: 'demo', senderId },
  query,
  body: undefined,
});

/** [what, operation, request, whether it is refused] */
const cases: Array<[string, ServedOperationId, RawRequest, boolean]> = [
  ['a valid send', 'sendMessage', send({ sender: { id: SENDER }, message: { type: 'text', text: 'hi' } }), false],
  ['an unknown message type', 'sendMessage', send({ sender: { id: SENDER }, message: { type: 'txt', text: 'hi' } }), true],
  ['a message without its type', 'sendMessage', send({ sender: { id: SENDER }, message: { text: 'hi' } }), true],
  ['a sender without its id', 'sendMessage', send({ sender: {}, message: { type: 'text', text: 'hi' } }), true],
  ['no body', 'sendMessage', send(undefined), true],
  ['a body that is a bare string', 'sendMessage', send('hello'), true],
  ['an Idempotency-Key too long', 'sendMessage', send({ sender: { id: SENDER }, message: { type: 'text', text: 'hi' } }, { 'idempotency-key': 'k'.repeat(300) }), true],
  ['a query to coerce', 'listConversationMessages', history({ limit: '20', offset: '0' }), false],
  ['a query that is no number', 'listConversationMessages', history({ limit: 'many' }), true],
  ['an unknown query parameter', 'listConversationMessages', history({ colour: 'red' }), true],
  ['a channel URL that is no URL', 'putWebhookChannel', { method: 'PUT', path: '/v1/bots/demo/channels/webhook', headers: json, params: { botId: 'demo' }, query: {}, body: { url: 'not a url', verifyToken: 't' } }, true],
];

function outcome(validator: RequestValidator, id: ServedOperationId, request: RawRequest): unknown {
  try {
    return { valid: validator.validate(id, structuredClone(request)) };
  } catch (error) {
    if (!(error instanceof Problem)) throw error;
    return { problem: JSON.parse(JSON.stringify(error)) };
  }
}

describe('validators compiled at build time', () => {
  it.each(cases)('answer %s as those compiled at run time', (_name, id, request, refused) => {
    const atBuild = outcome(compiledAtBuild, id, request) as object;
    expect('problem' in atBuild).toBe(refused);
    expect(atBuild).toEqual(outcome(compiledNow, id, request));
  });

  it('coerce the query as those compiled at run time do', () => {
    expect(outcome(compiledAtBuild, 'listConversationMessages', history({ limit: '20' }))).toMatchObject({ valid: { query: { limit: 20 } } });
  });

  it('are not used for another spec', () => {
    const spec = loadSpecDocument();
    expect(loadPrecompiledValidators({ ...spec, text: `${spec.text}\n# edited` }, file)).toBeUndefined();
  });
});
