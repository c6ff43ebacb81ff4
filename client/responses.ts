/**
 * Answers read the way their media type says, and every error answer made a problem.
 *
 * openapi-fetch parses every success as JSON, so `EVENT_RECEIVED` (text/plain), `/metrics` and
 * `/openapi.yaml` threw a `SyntaxError` after the server had done the work (and a caller that
 * retried made a duplicate); and it hands back an error answer without a problem body as
 * `undefined` (an empty 503, so `if (error)` took it for success) or as a string (an HTML 502).
 * Here each success is read by its `Content-Type`, and each non-2xx becomes a problem with the
 * status, whatever its body was.
 * @see https://www.rfc-editor.org/rfc/rfc9457#section-4.2.1 (`about:blank`: the title is the status phrase)
 */
import type { Client } from 'openapi-fetch';
import type { Problem } from './errors.js';

/** application/json, application/problem+json, and any other `+json` type. */
function isJson(mediaType: string): boolean {
  return mediaType === 'application/json' || mediaType.endsWith('+json');
}

/** Text-like media types: `text/*`, and YAML (the spec at `/openapi.yaml`). */
function isText(mediaType: string): boolean {
  return mediaType.startsWith('text/') || mediaType === 'application/yaml' || mediaType === 'application/x-yaml';
}

function mediaTypeOf(response: Response): string {
  return (response.headers.get('content-type') ?? '').split(';', 1)[0]!.trim().toLowerCase();
}

/**
 * The body of a success by its media type: JSON parsed (`undefined` when empty), text as a
 * string, anything else as a `Blob`. Throws a `SyntaxError` only for a body that says it is JSON
 * and is not.
 */
export async function readSuccessBody(response: Response): Promise<unknown> {
  const mediaType = mediaTypeOf(response);
  if (response.status === 204 || response.body === null) return undefined;
  if (isJson(mediaType)) {
    const text = await response.text();
    return text === '' ? undefined : JSON.parse(text);
  }
  if (isText(mediaType) || mediaType === '') return response.text();
  return response.blob();
}

const STATUS_TITLES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  408: 'Request Timeout', 409: 'Conflict', 410: 'Gone', 413: 'Content Too Large', 415: 'Unsupported Media Type',
  422: 'Unprocessable Content', 429: 'Too Many Requests', 500: 'Internal Server Error', 501: 'Not Implemented',
  502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

function isProblem(value: unknown): value is Problem {
  return !!value && typeof value === 'object' && !Array.isArray(value) && typeof (value as Problem).title === 'string';
}

/**
 * The problem an error answer stands for: its own problem body (its `status` set from the answer
 * when missing), or, when the body is empty, not JSON or not a problem (a proxy's HTML page), an
 * `about:blank` problem with the status, the status phrase as title, and what came instead.
 *
 * @example problemOf(undefined, new Response(null, { status: 503 })) // { type: 'about:blank', title: 'Service Unavailable', status: 503, … }
 */
export function problemOf(body: unknown, response: Response): Problem {
  if (isProblem(body)) return { ...body, type: body.type ?? 'about:blank', status: typeof body.status === 'number' ? body.status : response.status };
  const mediaType = mediaTypeOf(response);
  const what = body === undefined || body === '' ? 'an empty body' : `a ${mediaType || 'body without a media type'} body that is not a problem`;
  return {
    type: 'about:blank',
    title: STATUS_TITLES[response.status] ?? (response.statusText || `HTTP ${response.status}`),
    status: response.status,
    detail: `The server answered ${response.status} with ${what}.`,
  };
}

const METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH', 'TRACE'] as const;

type Result = { data?: unknown; error?: unknown; response: Response };

/**
 * `client` with each answer read by media type and each error made a problem. A call that sets
 * its own `parseAs` keeps openapi-fetch's reading of successes.
 */
export function byMediaType<Paths extends {}>(client: Client<Paths>): Client<Paths> {
  const wrapped = { ...client } as Record<string, unknown>;
  for (const method of METHODS) {
    const call = (client as unknown as Record<string, (url: unknown, init?: Record<string, unknown>) => Promise<Result>>)[method]!;
    wrapped[method] = async (url: unknown, init: Record<string, unknown> = {}) => {
      const own = init.parseAs !== undefined;
      const result = await call(url, own ? init : { ...init, parseAs: 'stream' });
      const { response } = result;
      if (!response.ok) return { error: problemOf(result.error, response), response };
      return own ? result : { data: await readSuccessBody(response), response };
    };
  }
  wrapped.request = (method: string, url: unknown, init?: Record<string, unknown>) =>
    (wrapped[method.toUpperCase()] as (url: unknown, init?: Record<string, unknown>) => Promise<Result>)(url, init);
  return wrapped as unknown as Client<Paths>;
}
