/**
 * Routing cost against the number of operations: the same requests are matched on the real
 * spec and on the real spec plus EXTRA_PATHS synthetic paths, by our router (find-my-way, one
 * radix-tree lookup) and, for contrast, by openapi-backend's own router (which rebuilds its
 * operation list and compiles a regex per path on every call). The request validator is
 * measured too: it still runs through openapi-backend once per request.
 * `npm run bench:routing` prints the table (in-process, not part of `npm run bench`).
 */
import { performance } from 'node:perf_hooks';
import { OpenAPIBackend } from 'openapi-backend';
import type { ServedOperationId } from '../server/http/handler.js';
import { createRequestValidator, type RawRequest } from '../server/http/request-validator.js';
import { buildRouter } from '../server/http/router.js';
import { loadSpecDocument, type SpecDocument } from '../server/spec-document.js';
import { formatNumber, printTable } from './table.js';

export const EXTRA_PATHS = 80;

export interface RoutingRow {
  subject: string;
  request: string;
  realOpsPerSecond: number;
  largerOpsPerSecond: number;
}

/** As in server/http/request-validator.ts: openapi-backend's 3.0 meta-schema check would reject our 3.1 document. */
class OpenApi31Backend extends OpenAPIBackend {
  override validateDefinition() {
    return this.document;
  }
}

const REQUESTS = [
  { method: 'POST', path: '/v1/bots/demo/channels/webhook/messages', operationId: 'sendMessage' },
  { method: 'GET', path: '/v1/bots/demo/channels/webhook/deliveries/dlv_0123456789', operationId: 'getDelivery' },
  { method: 'GET', path: '/healthz', operationId: 'getHealth' },
] as const;

/** A valid sendMessage body. */
const HELLO = { sender: { id: 'bench-sender-00000000' }, message: { type: 'text', text: 'hi' } };

/** Each measurement runs for about this long (after a warm-up of a fifth of it), or MAX_OPS calls. */
const MEASURE_MS = 500;
const MAX_OPS = 5_000_000;

export async function benchRouting(): Promise<RoutingRow[]> {
  const real = loadSpecDocument();
  const larger = withExtraPaths(real, EXTRA_PATHS);
  const rows: RoutingRow[] = [];

  const ours = { real: buildRouter(real), larger: buildRouter(larger) };
  for (const request of REQUESTS) {
    rows.push({
      subject: 'buildRouter(spec).match',
      request: `${request.method} ${request.operationId}`,
      realOpsPerSecond: opsPerSecond(() => expectOperation(ours.real.match(request.method, request.path), request.operationId)),
      largerOpsPerSecond: opsPerSecond(() => expectOperation(ours.larger.match(request.method, request.path), request.operationId)),
    });
  }

  const theirs = { real: await openApiBackend(real), larger: await openApiBackend(larger) };
  for (const request of REQUESTS) {
    const req = { method: request.method, path: request.path, headers: {} };
    rows.push({
      subject: 'openapi-backend router.matchOperation',
      request: `${request.method} ${request.operationId}`,
      realOpsPerSecond: opsPerSecond(() => expectOperationId(theirs.real.router.matchOperation(req)?.operationId, request.operationId)),
      largerOpsPerSecond: opsPerSecond(() => expectOperationId(theirs.larger.router.matchOperation(req)?.operationId, request.operationId)),
    });
  }

  const validators = { real: await createRequestValidator(real), larger: await createRequestValidator(larger) };
  const validated: Array<{ operationId: ServedOperationId; request: RawRequest }> = [
    { operationId: 'getHealth', request: { method: 'GET', path: '/healthz', headers: {}, params: {}, query: {}, body: undefined } },
    {
      operationId: 'sendMessage',
      request: { method: 'POST', path: REQUESTS[0].path, headers: { 'content-type': 'application/json' }, params: { botId: 'demo' }, query: {}, body: HELLO },
    },
  ];
  for (const { operationId, request } of validated) {
    rows.push({
      subject: 'createRequestValidator(spec).validate',
      request: `${request.method} ${operationId}`,
      realOpsPerSecond: opsPerSecond(() => validators.real.validate(operationId, request)),
      largerOpsPerSecond: opsPerSecond(() => validators.larger.validate(operationId, request)),
    });
  }
  return rows;
}

/** The spec with `count` more paths, each with one GET under `/v1/bots/{botId}`, as a growing API would add. */
export function withExtraPaths(spec: SpecDocument, count: number): SpecDocument {
  const document = structuredClone(spec.document);
  for (let i = 0; i < count; i++) {
    document.paths[`/v1/bots/{botId}/extra-${i}/items/{itemId}`] = {
      parameters: [
        { $ref: '#/components/parameters/BotId' },
        { name: 'itemId', in: 'path', required: true, schema: { type: 'string' } },
      ],
      get: { operationId: `getExtraItem${i}`, responses: { '200': { description: 'The item.' } } },
    };
  }
  return { text: spec.text, document };
}

async function openApiBackend(spec: SpecDocument): Promise<OpenAPIBackend> {
  const api = new OpenApi31Backend({ definition: structuredClone(spec.document), quick: true, validate: false });
  await api.init();
  return api;
}

function expectOperation(match: ReturnType<ReturnType<typeof buildRouter>['match']>, operationId: string): void {
  expectOperationId(match.kind === 'operation' ? match.operation.operationId : match.kind, operationId);
}

function expectOperationId(found: string | undefined, operationId: string): void {
  if (found !== operationId) throw new Error(`matched ${found}, expected ${operationId}`);
}

/** Calls per second of `fn`, timed in batches so that reading the clock costs little. */
function opsPerSecond(fn: () => void): number {
  const run = (ms: number): number => {
    const started = performance.now();
    let calls = 0;
    let batch = 1;
    while (calls < MAX_OPS) {
      for (let i = 0; i < batch; i++) fn();
      calls += batch;
      const elapsed = performance.now() - started;
      if (elapsed >= ms) return (calls / elapsed) * 1000;
      batch = Math.min(batch * 2, 256);
    }
    return (calls / (performance.now() - started)) * 1000;
  };
  run(MEASURE_MS / 5);
  return run(MEASURE_MS);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await benchRouting();
  printTable(
    `Routing and validation, calls/s on one thread: the real spec vs. the same plus ${EXTRA_PATHS} paths`,
    ['subject', 'request', 'real spec', `+${EXTRA_PATHS} paths`, 'larger/real'],
    rows.map((row) => [
      row.subject,
      row.request,
      formatNumber(row.realOpsPerSecond),
      formatNumber(row.largerOpsPerSecond),
      formatNumber(row.largerOpsPerSecond / row.realOpsPerSecond, 2),
    ]),
  );
}
