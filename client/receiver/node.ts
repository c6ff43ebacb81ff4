/**
 * The receiver as a `node:http` request listener, which is also an Express route handler.
 *
 * The request and the response are described by the few members the handler uses, not imported
 * from `node:http`: the kit's published types then check without `@types/node` (a Deno, Bun or
 * edge project) and without `@types/express`, while Node's and Express's objects fit them.
 */
import { DEFAULT_MAX_BODY_BYTES, preParsedBody, readStream } from './raw-body.js';
import { createWebhookReceiver, type WebhookReceiverOptions } from './receiver.js';

/**
 * What the handler reads of a request: Node's `IncomingMessage` and Express's `Request` fit it.
 * A body parser that ran first may have left the raw bytes in `body` (`express.raw()`).
 */
export interface NodeRequestLike extends AsyncIterable<Uint8Array | string> {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  /** Lower-case names; repeated headers may be arrays (Node's `IncomingHttpHeaders`). */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** True when something consumed the stream before the handler ran. */
  readonly readableEnded: boolean;
}

/** What the handler calls on a response: Node's `ServerResponse` and Express's `Response` fit it. */
export interface NodeResponseLike {
  readonly headersSent: boolean;
  writeHead(statusCode: number, headers: Record<string, string>): unknown;
  end(body: string): unknown;
  destroy(error?: Error): unknown;
}

/** `onMessage`'s context in `nodeWebhookHandler` also carries the request (typed as you pass it). */
export interface NodeWebhookExtra<Req extends NodeRequestLike = NodeRequestLike> {
  req: Req;
}

/**
 * A `(req, res)` listener that answers the `hub.challenge` handshake (GET) and receives bot
 * messages (POST): verified, deduplicated, typed. It reads the raw body itself; with Express,
 * mount it without a JSON parser in front, or behind `express.raw({ type: 'application/json' })`.
 * Name your request type (`nodeWebhookHandler<IncomingMessage>(…)`) to get it typed in `onMessage`.
 *
 * @example
 * import { createServer } from 'node:http';
 * createServer(nodeWebhookHandler({
 *   secret: process.env.WEBHOOK_SECRET!,
 *   verifyToken: process.env.WEBHOOK_VERIFY_TOKEN,
 *   onMessage: (event) => console.log(event.senderId, event.message.type),
 * })).listen(4011);
 * // Express: the handshake is a GET and deliveries are POSTs, so mount it for both:
 * const webhook = nodeWebhookHandler({ … });
 * app.get('/webhook', webhook);
 * app.post('/webhook', webhook);
 */
export function nodeWebhookHandler<Req extends NodeRequestLike = NodeRequestLike>(
  options: WebhookReceiverOptions<NodeWebhookExtra<Req>>,
): (req: Req, res: NodeResponseLike) => void {
  const receive = createWebhookReceiver(options);
  const maxBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://receiver.invalid');
    const body = async () => {
      const left = preParsedBody(req.readableEnded, (req as { body?: unknown }).body);
      return left ?? readStream(req, maxBytes);
    };
    receive({ method: req.method ?? 'GET', query: url.searchParams, headers: req.headers, body }, { req })
      .then((answer) => {
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body);
      })
      .catch((error: unknown) => {
        // receive() answers every failure itself; this is only reached when writing fails.
        if (!res.headersSent) {
          res.writeHead(500, {});
          res.end('');
        } else res.destroy(error instanceof Error ? error : undefined);
      });
  };
}
