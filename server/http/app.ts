/**
 * The HTTP layer: route (find-my-way, from the spec), authenticate, read and validate the body
 * (openapi-backend), call the operation, and render every error once as RFC 9457 problem+json.
 */
import Koa from 'koa';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Clock } from '../clock.js';
import { Problem } from '../problem.js';
import { isStoreUnavailable, type Db } from '../store/index.js';
import { authenticate, authenticateBody, hasBodyCredential } from './auth.js';
import { invokeHandler, isServedOperation, type OperationHandlers, type RenderedResponse, type ServedOperationId } from './handler.js';
import { readJsonBody } from './request-body.js';
import { clientKey, createRateLimiter } from './rate-limit.js';
import type { RequestValidator } from './request-validator.js';
import type { buildRouter } from './router.js';

export interface HttpAppOptions {
  router: ReturnType<typeof buildRouter>;
  validator: RequestValidator;
  handlers: OperationHandlers;
  db: Db;
  clock: Clock;
  logger: Logger;
  registry: Registry;
  bodyLimitBytes: number;
  rateLimit: { perSecond: number; burst: number };
  /** Failed authentications per client address, on their own budget (never a bot's). */
  authFailureLimit: { perSecond: number; burst: number };
  /**
   * Proxies in front that append to `X-Forwarded-For` (TRUST_PROXY_HOPS): the client address is
   * that many entries from its right. 0 or absent: the connection's address, and the header is ignored
   * (a client can write anything in it).
   */
  trustProxyHops?: number;
  /** Operations whose calls count against the bot's rate limit. */
  rateLimitedOperations?: string[];
}

const PROBLEM_JSON = 'application/problem+json';

export function createHttpApp(options: HttpAppOptions): Koa {
  // The handlers' type already names every operation of the generated types; this catches a
  // spec document that drifted from them (`npm run lint` checks that too).
  const missing = options.router.operations.filter((op) => !isServedOperation(options.handlers, op.operationId)).map((op) => op.operationId);
  if (missing.length > 0) throw new Error(`no handler for the spec's operations: ${missing.join(', ')}`);

  // Koa reads X-Forwarded-For only when told to, and then keeps only the last maxIpsCount entries:
  // the ones the trusted proxies wrote. ctx.ip is the leftmost of those, the client they saw.
  const hops = options.trustProxyHops ?? 0;
  const app = new Koa({ proxy: hops > 0, maxIpsCount: hops });
  // Errors rendered above never reach here; what does is a streamed body (the event stream) whose
  // client went away, which is expected, or a socket fault.
  app.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'ERR_STREAM_PREMATURE_CLOSE' || error.code === 'ECONNRESET' || error.code === 'EPIPE') return;
    options.logger.warn({ err: error }, 'response stream failed');
  });
  const requests = new Counter({
    name: 'webhook_channel_http_requests_total',
    help: 'HTTP requests by operation and status.',
    labelNames: ['operation', 'status'] as const,
    registers: [options.registry],
  });
  // Charged only once a caller proved who it is: nothing an unauthenticated request does costs a bot anything.
  const limiter = createRateLimiter(options.clock, {
    ...options.rateLimit,
    describe: (botId) => `Bot '${botId}' sent more than ${options.rateLimit.perSecond} messages per second.`,
  });
  const authFailures = createRateLimiter(options.clock, {
    ...options.authFailureLimit,
    describe: () => 'Too many failed authentications from this address; try again later.',
  });
  // Bounded by the bots and by maxKeys; watched so that growth keyed by callers' input would show.
  new Gauge({
    name: 'webhook_channel_rate_limit_buckets',
    help: 'Token buckets held in memory, by limit.',
    labelNames: ['limit'] as const,
    registers: [options.registry],
    collect() {
      this.set({ limit: 'bot' }, limiter.size);
      this.set({ limit: 'auth-failures' }, authFailures.size);
    },
  });
  /** Runs a credential check; a failure is charged to the client's address, and past its budget is 429. */
  const guarded = async <T>(ctx: Koa.Context, check: () => Promise<T>): Promise<T> => {
    try {
      return await check();
    } catch (error) {
      if (error instanceof Problem && error.status === 401) authFailures.take(clientKey(ctx.ip));
      throw error;
    }
  };
  const rateLimited = new Set(options.rateLimitedOperations ?? ['sendMessage', 'sendChannelMessage', 'legacySendMessage']);

  app.use(async (ctx) => {
    const started = performance.now();
    let operationId = 'unknown';
    try {
      const match = options.router.match(ctx.method, ctx.path);
      if (match.kind === 'not-found') throw Problem.notFound(`No route ${ctx.method} ${ctx.path}.`);
      if (match.kind === 'method-not-allowed') throw Problem.methodNotAllowed(ctx.method, match.allowed);
      const { operation, params } = match;
      operationId = operation.operationId;
      if (!isServedOperation(options.handlers, operationId)) throw Problem.notFound(`No route ${ctx.method} ${ctx.path}.`);
      const served: ServedOperationId = operationId;

      const query = { ...ctx.query } as Record<string, unknown>;
      const principal = await guarded(ctx, () => authenticate(options.db, operation, { params, headers: ctx.headers, query }));
      // The bot is the path's, or the channel's for the per-channel message URL.
      const botId = principal?.botId ?? params.botId;

      // A credential in the query was checked above; it is not one of the operation's parameters.
      for (const name of operation.credentialQueryParams) delete query[name];
      let body: unknown;
      if (operation.hasBody) body = await readJsonBody(ctx.req, options.bodyLimitBytes);
      const input = options.validator.validate(served, { method: ctx.method, path: ctx.path, headers: ctx.headers, params, query, body });
      if (hasBodyCredential(served)) await guarded(ctx, () => authenticateBody(options.db, served, params.botId!, input.body));
      if (rateLimited.has(served) && botId) ctx.set(limiter.take(botId));
      render(ctx, await invokeHandler(options.handlers, served, { ...input, headers: ctx.headers }));
    } catch (error) {
      renderError(ctx, error, options.logger);
    } finally {
      requests.inc({ operation: operationId, status: String(ctx.status) });
      // An access log without bodies, tokens or query strings (a legacy access_token travels there).
      options.logger.info({ operation: operationId, method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(performance.now() - started) }, 'request');
    }
  });
  return app;
}

function render(ctx: Koa.Context, response: RenderedResponse): void {
  ctx.status = response.status;
  for (const [name, value] of Object.entries(response.headers ?? {})) ctx.set(name, value);
  if (response.body === undefined) {
    // Koa would otherwise answer the status text ("Found") as a body the spec does not declare.
    if (ctx.status !== 204 && ctx.status !== 304) {
      ctx.body = '';
      ctx.remove('content-type');
    }
    return;
  }
  if (response.contentType) ctx.type = response.contentType;
  ctx.body = response.body;
}

/** How long a client waits before sending again to a store that was unavailable: a database restart takes seconds. */
const STORE_RETRY_AFTER_SECONDS = 2;

function renderError(ctx: Koa.Context, error: unknown, logger: Logger): void {
  if (isStoreUnavailable(error)) {
    // Not our bug and nothing was written: the client sends again, and the pool reconnects meanwhile.
    logger.warn({ err: error, method: ctx.method, path: ctx.path }, 'store unavailable');
    error = Problem.storeUnavailable(STORE_RETRY_AFTER_SECONDS);
  }
  if (error instanceof Problem) {
    ctx.status = error.status;
    for (const [name, value] of Object.entries(error.headers)) ctx.set(name, value);
    ctx.type = PROBLEM_JSON;
    ctx.body = JSON.stringify(error.toJSON());
    return;
  }
  // Anything else is our bug: log it, and answer a bare 500 that leaks nothing.
  logger.error({ err: error, method: ctx.method, path: ctx.path }, 'unhandled error');
  ctx.status = 500;
  ctx.type = PROBLEM_JSON;
  ctx.body = JSON.stringify({ type: 'about:blank', title: 'Internal Server Error', status: 500 });
}
