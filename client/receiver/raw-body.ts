/**
 * The request body exactly as it arrived. Verifying anything else (a body parsed, then
 * serialized again) is the classic way to break signature checks.
 */

/** The body is larger than the receiver accepts; answered `413`. */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
}

/**
 * A body parser consumed the stream and left only a parsed object: the raw bytes are gone.
 * Answered `500`, since the fix is in the receiver's setup.
 */
export class RawBodyUnavailableError extends Error {
  override readonly name = 'RawBodyUnavailableError';
}

/** One MiB; bot messages are a few KiB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** Reads a Node request (or any async iterable of chunks) to its end, up to `maxBytes`. */
export async function readStream(stream: AsyncIterable<Uint8Array | string>, maxBytes: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const encoder = new TextEncoder();
  for await (const chunk of stream) {
    const bytes = typeof chunk === 'string' ? encoder.encode(chunk) : chunk;
    size += bytes.length;
    if (size > maxBytes) throw new BodyTooLargeError(`The body exceeds ${maxBytes} bytes.`);
    chunks.push(bytes);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.length;
  }
  return body;
}

/**
 * What a body parser that ran first left behind, when it kept the raw body: a Buffer or string
 * in `req.body` (`express.raw()`, `express.text()`) or `rawBody` (`@koa/bodyparser`).
 * `undefined` when nothing consumed the stream; throws when only a parsed object is left.
 */
export function preParsedBody(consumed: boolean, ...candidates: unknown[]): string | Uint8Array | undefined {
  for (const candidate of candidates) {
    if (typeof candidate === 'string' || candidate instanceof Uint8Array) return candidate;
  }
  if (consumed) {
    throw new RawBodyUnavailableError(
      'The request body was consumed before the webhook receiver ran, and its raw bytes were not kept. ' +
        'Mount the receiver before any JSON body parser (or use express.raw({ type: "application/json" })).',
    );
  }
  return undefined;
}
