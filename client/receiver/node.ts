/**
 * The receiver as a `node:http` request listener, which is also an Express route handler.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEFAULT_MAX_BODY_BYTES, preParsedBody, readStream } from './raw-body.js';
import { createWebhookReceiver, type WebhookReceiverOptions } from './receiver.js';

/** `onMessage`'s context in `nodeWebhookHandler` also carries the request. */
export interface NodeWebhookExtra {
  req: IncomingMessage;
}

/**
 * A `(req, res)` listener that answers the `hub.challenge` handshake (GET) and receives bot
 * messages (POST): verified, deduplicated, typed. It reads the raw body itself; with Express,
 * mount it without a JSON parser in front, or behind `express.raw({ type: 'application/json' })`.
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
export function nodeWebhookHandler(
  options: WebhookReceiverOptions<NodeWebhookExtra>,
): (req: IncomingMessage, res: ServerResponse) => void {
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
        res.writeHead(answer.status, answer.headers).end(answer.body);
      })
      .catch((error: unknown) => {
        // receive() answers every failure itself; this is only reached when writing fails.
        if (!res.headersSent) res.writeHead(500).end();
        else res.destroy(error instanceof Error ? error : undefined);
      });
  };
}
