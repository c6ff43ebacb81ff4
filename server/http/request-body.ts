/**
 * Reads a request body as JSON, every step of the way answering a declared 4xx problem that names
 * what was wrong, never a 500 and never a lossy guess:
 * 1. the media type must be JSON (`application/json` or `+json`), else 415;
 * 2. the bytes are read up to the limit, else 413;
 * 3. `Content-Encoding` is undone (`gzip`, `deflate`, `br`, `identity`; RFC 9110 §8.4): another
 *    coding is 415, data that is not what its coding says (or cut short) is 400, and what a
 *    coding expands to counts against the same limit (413);
 * 4. the text is decoded as UTF-8, the only charset JSON has (RFC 8259 §8.1): a `charset` other
 *    than UTF-8 is 415, and invalid UTF-8 is 400 (nothing becomes U+FFFD);
 * 5. the text is parsed as JSON (400), and may nest at most 32 levels and hold
 *    only numbers a double can (400).
 */
import type { IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate, inflateRaw, type InputType, type ZlibOptions } from 'node:zlib';
import { Problem } from '../problem.js';
import { findJsonLimitBreach } from './json-limits.js';

type Decompress = (input: InputType, options: ZlibOptions) => Promise<Buffer>;

/** The content codings the server undoes, by their registered names (and `x-gzip`, RFC 9110 §8.4.1.3). */
const DECODERS: Record<string, Decompress> = {
  gzip: promisify<InputType, ZlibOptions, Buffer>(gunzip),
  'x-gzip': promisify<InputType, ZlibOptions, Buffer>(gunzip),
  br: promisify<InputType, ZlibOptions, Buffer>(brotliDecompress),
  // RFC 9110 §8.4.1.2: the zlib format; some clients send raw deflate, which is tried second.
  deflate: async (input, options) => {
    try {
      return await promisify<InputType, ZlibOptions, Buffer>(inflate)(input, options);
    } catch (error) {
      if (isTooLarge(error)) throw error;
      return promisify<InputType, ZlibOptions, Buffer>(inflateRaw)(input, options);
    }
  },
};

export interface BodyHeaders {
  'content-type'?: string;
  'content-encoding'?: string;
  'content-length'?: string;
  'transfer-encoding'?: string;
}

/** The body as a JSON value, or undefined when the request has none. Throws a {@link Problem}. */
export async function readJsonBody(request: IncomingMessage, limitBytes: number): Promise<unknown> {
  const headers = request.headers as BodyHeaders;
  const declaredLength = Number(headers['content-length'] ?? 0);
  const hasBody = declaredLength > 0 || headers['transfer-encoding'] !== undefined;
  if (!hasBody) return undefined;

  const mediaType = parseMediaType(headers['content-type']);
  if (!mediaType || !(mediaType.type === 'application/json' || /^[a-z0-9!#$&^_.-]+\/[a-z0-9!#$&^_.-]+\+json$/.test(mediaType.type))) {
    throw Problem.unsupportedMediaType(headers['content-type']);
  }
  const charset = mediaType.parameters.charset;
  if (charset !== undefined && !/^utf-?8$/i.test(charset)) throw Problem.unsupportedCharset(charset);
  const codings = parseCodings(headers['content-encoding']);
  const unknown = codings.find((coding) => !(coding in DECODERS));
  if (unknown !== undefined) throw Problem.unsupportedContentEncoding(unknown);
  if (declaredLength > limitBytes) throw Problem.payloadTooLarge(limitBytes);

  let bytes = await readBytes(request, limitBytes);
  // Codings are listed in the order they were applied (RFC 9110 §8.4): undo the last one first.
  for (const coding of [...codings].reverse()) {
    try {
      bytes = await DECODERS[coding]!(bytes, { maxOutputLength: limitBytes });
    } catch (error) {
      if (isTooLarge(error)) throw Problem.payloadTooLarge(limitBytes);
      throw Problem.undecodableContent(coding, (error as Error).message);
    }
  }

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw Problem.invalidUtf8(firstInvalidUtf8Offset(bytes));
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw Problem.malformedJson((error as Error).message);
  }
  const breach = findJsonLimitBreach(value);
  if (breach) throw Problem.validation([{ location: ['body', ...breach.path].join('.'), message: breach.message }]);
  return value;
}

/** `type/subtype` in lower case and its parameters (RFC 9110 §8.3.1); undefined when there is none. */
function parseMediaType(header: string | undefined): { type: string; parameters: Record<string, string> } | undefined {
  if (!header) return undefined;
  const [type = '', ...rest] = header.split(';');
  const parameters: Record<string, string> = {};
  for (const parameter of rest) {
    const at = parameter.indexOf('=');
    if (at < 0) continue;
    const name = parameter.slice(0, at).trim().toLowerCase();
    const raw = parameter.slice(at + 1).trim();
    parameters[name] = raw.startsWith('"') && raw.endsWith('"') && raw.length >= 2 ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
  }
  return { type: type.trim().toLowerCase(), parameters };
}

/** The codings of `Content-Encoding`, in the order applied, without `identity`. */
function parseCodings(header: string | undefined): string[] {
  if (!header) return [];
  return header
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
}

/** The request's bytes, refused with 413 as soon as they pass the limit; a stream error is 400. */
function readBytes(request: IncomingMessage, limitBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const fail = (problem: Problem) => {
      cleanup();
      // The rest is not read: let the connection go rather than drain a body we refuse.
      request.resume();
      reject(problem);
    };
    const onData = (chunk: Buffer) => {
      length += chunk.length;
      if (length > limitBytes) return fail(Problem.payloadTooLarge(limitBytes));
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, length));
    };
    const onError = (error: Error) => fail(Problem.unreadableBody(error.message));
    const onAborted = () => fail(Problem.unreadableBody('the client closed the connection before the body ended'));
    const cleanup = () => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
      request.off('aborted', onAborted);
    };
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
    request.on('aborted', onAborted);
  });
}

function isTooLarge(error: unknown): boolean {
  return error instanceof RangeError && (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';
}

/** Where decoding `bytes` as UTF-8 first fails (RFC 3629 §4), for the problem's message. */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const size = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (size === 0) return i;
    if (size > 1) {
      if (i + size > bytes.length) return i;
      const second = bytes[i + 1]!;
      // The second byte's range excludes overlong forms, surrogates and code points past U+10FFFF.
      const [low, high] = b === 0xe0 ? [0xa0, 0xbf] : b === 0xed ? [0x80, 0x9f] : b === 0xf0 ? [0x90, 0xbf] : b === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf];
      if (second < low || second > high) return i;
      for (let k = 2; k < size; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
    }
    i += size;
  }
  return -1;
}
