/**
 * The receiver as a fetch handler, `(Request) => Promise<Response>`: the shape of Deno.serve,
 * Bun.serve, Cloudflare Workers, Vercel and Netlify functions, and Next.js route handlers.
 */
import { BodyTooLargeError, DEFAULT_MAX_BODY_BYTES } from './raw-body.js';
import { createWebhookReceiver, type WebhookReceiverOptions } from './receiver.js';

/** `onMessage`'s context in `fetchWebhookHandler` also carries the request. */
export interface FetchWebhookExtra {
  request: Request;
}

/**
 * A fetch handler that answers the `hub.challenge` handshake (GET) and receives bot messages
 * (POST): verified, deduplicated, typed.
 *
 * @example
 * // Deno
 * Deno.serve(fetchWebhookHandler({ secret: Deno.env.get('WEBHOOK_SECRET')!, onMessage: (e) => console.log(e.message) }));
 * // Next.js app router: export const POST = fetchWebhookHandler({ … }); export const GET = POST;
 */
export function fetchWebhookHandler(options: WebhookReceiverOptions<FetchWebhookExtra>): (request: Request) => Promise<Response> {
  const receive = createWebhookReceiver(options);
  const maxBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  return async (request) => {
    const body = async () => {
      if (Number(request.headers.get('content-length') ?? 0) > maxBytes) throw new BodyTooLargeError(`The body exceeds ${maxBytes} bytes.`);
      const bytes = new Uint8Array(await request.arrayBuffer());
      if (bytes.length > maxBytes) throw new BodyTooLargeError(`The body exceeds ${maxBytes} bytes.`);
      return bytes;
    };
    const query = new URL(request.url).searchParams;
    const answer = await receive({ method: request.method, query, headers: request.headers, body }, { request });
    return new Response(answer.body, { status: answer.status, headers: answer.headers });
  };
}
