/**
 * The receiver as Koa middleware. It reads the raw request stream itself: Koa's body parsers
 * have no hook to keep the bytes a signature covers (koajs/bodyparser#56).
 */
import type { Middleware, ParameterizedContext } from 'koa';
import { DEFAULT_MAX_BODY_BYTES, preParsedBody, readStream } from './raw-body.js';
import { createWebhookReceiver, type WebhookReceiverOptions } from './receiver.js';

/** `onMessage`'s context in `koaWebhookReceiver` also carries Koa's `ctx`. */
export interface KoaWebhookExtra {
  ctx: ParameterizedContext;
}

export type KoaWebhookReceiverOptions = WebhookReceiverOptions<KoaWebhookExtra> & {
  /** Only requests to this path are handled; others go to the next middleware. Default: every request. */
  path?: string;
};

/**
 * Koa middleware that answers the `hub.challenge` handshake (GET) and receives bot messages
 * (POST): verified, deduplicated, typed. Mount it before any body parser, or after
 * `@koa/bodyparser` (whose `ctx.request.rawBody` it then uses).
 *
 * @example
 * const app = new Koa();
 * app.use(koaWebhookReceiver({
 *   path: '/webhook',
 *   secret: process.env.WEBHOOK_SECRET!,
 *   verifyToken: process.env.WEBHOOK_VERIFY_TOKEN,
 *   onMessage: async (event, { webhookId }) => { await inbox.save(webhookId, event); },
 * }));
 */
export function koaWebhookReceiver(options: KoaWebhookReceiverOptions): Middleware {
  const receive = createWebhookReceiver(options);
  const maxBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  return async (ctx, next) => {
    if (options.path !== undefined && ctx.path !== options.path) return next();
    const request = ctx.request as { rawBody?: unknown };
    const body = async () => {
      const left = preParsedBody(ctx.req.readableEnded, request.rawBody);
      return left ?? readStream(ctx.req, maxBytes);
    };
    const answer = await receive({ method: ctx.method, query: new URLSearchParams(ctx.querystring), headers: ctx.req.headers, body }, { ctx });
    ctx.status = answer.status;
    ctx.set(answer.headers);
    ctx.body = answer.body;
  };
}
