/**
 * The receiver as Koa middleware. It reads the raw request stream itself: Koa's body parsers
 * have no hook to keep the bytes a signature covers (koajs/bodyparser#56).
 *
 * Koa's context is described by the few members the middleware uses, not imported from `koa`:
 * the kit's published types then check in projects without koa or `@types/koa` (it is only an
 * optional adapter), and Koa's own `Context` still fits it.
 */
import type { NodeRequestLike } from './node.js';
import { DEFAULT_MAX_BODY_BYTES, preParsedBody, readStream } from './raw-body.js';
import { createWebhookReceiver, type WebhookReceiverOptions } from './receiver.js';

/** What the middleware uses of Koa's `ctx` (Koa's `Context` and `ParameterizedContext` fit it). */
export interface KoaContextLike {
  readonly path: string;
  readonly method: string;
  readonly querystring: string;
  /** Node's request; its stream is the raw body unless a parser read it first. */
  readonly req: NodeRequestLike;
  /** Koa's request; `@koa/bodyparser` leaves the raw body in its `rawBody`. */
  readonly request: object;
  status: number;
  body: unknown;
  set(fields: Record<string, string>): void;
}

/** A Koa middleware over the context `Ctx` (assignable to `app.use`). */
export type KoaMiddlewareLike<Ctx extends KoaContextLike = KoaContextLike> = (ctx: Ctx, next: () => Promise<unknown>) => Promise<unknown>;

/** `onMessage`'s context in `koaWebhookReceiver` also carries Koa's `ctx` (typed as you name it). */
export interface KoaWebhookExtra<Ctx extends KoaContextLike = KoaContextLike> {
  ctx: Ctx;
}

export type KoaWebhookReceiverOptions<Ctx extends KoaContextLike = KoaContextLike> = WebhookReceiverOptions<KoaWebhookExtra<Ctx>> & {
  /** Only requests to this path are handled; others go to the next middleware. Default: every request. */
  path?: string;
};

/**
 * Koa middleware that answers the `hub.challenge` handshake (GET) and receives bot messages
 * (POST): verified, deduplicated, typed. Mount it before any body parser, or after
 * `@koa/bodyparser` (whose `ctx.request.rawBody` it then uses). Name your context type
 * (`koaWebhookReceiver<Koa.Context>(…)`) to get `ctx` typed in `onMessage`.
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
export function koaWebhookReceiver<Ctx extends KoaContextLike = KoaContextLike>(options: KoaWebhookReceiverOptions<Ctx>): KoaMiddlewareLike<Ctx> {
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
