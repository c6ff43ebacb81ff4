/**
 * The one error type of the server: an RFC 9457 problem. Domain code throws it with a named
 * constructor; the HTTP layer renders it once as `application/problem+json`.
 * @see https://www.rfc-editor.org/rfc/rfc9457
 */
import type { components } from '../spec/generated/api.js';
import { clipText as clip } from './clip-text.js';

export type ProblemBody = components['schemas']['Problem'];
export type FieldError = components['schemas']['ProblemError'];

const TYPE_BASE = 'https://webhook-channel.dev/problems/';

/**
 * The spec's bounds on a problem (components.schemas.Problem and ProblemError): a detail or
 * message that quotes the request (a path, a URL) is cut to fit, and `errors` lists the first ones.
 */
export const PROBLEM_LIMITS = { detail: 1000, errors: 100, location: 300, message: 500 } as const;
/** The spec's bound on `Retry-After` (seconds). */
const MAX_RETRY_AFTER_SECONDS = 86_400;

export class Problem extends Error {
  readonly headers: Record<string, string>;

  constructor(
    readonly status: number,
    readonly type: string,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: FieldError[],
    headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
    this.headers = headers;
  }

  toJSON(): ProblemBody {
    return {
      type: TYPE_BASE + this.type,
      title: this.title,
      status: this.status,
      ...(this.detail !== undefined && { detail: clip(this.detail, PROBLEM_LIMITS.detail) }),
      ...(this.errors &&
        this.errors.length > 0 && {
          errors: this.errors.slice(0, PROBLEM_LIMITS.errors).map((e) => ({
            location: clip(e.location, PROBLEM_LIMITS.location),
            message: clip(e.message, PROBLEM_LIMITS.message),
          })),
        }),
    };
  }

  static validation(errors: FieldError[], detail = 'The request does not match the API contract.'): Problem {
    return new Problem(400, 'validation', 'Bad Request', detail, errors);
  }
  static malformedJson(message: string): Problem {
    return new Problem(400, 'malformed-json', 'Bad Request', 'The request body is not valid JSON.', [{ location: 'body', message }]);
  }
  static unauthorized(detail: string): Problem {
    return new Problem(401, 'unauthorized', 'Unauthorized', detail, undefined, { 'www-authenticate': 'Bearer' });
  }
  static notFound(detail: string): Problem {
    return new Problem(404, 'not-found', 'Not Found', detail);
  }
  static methodNotAllowed(method: string, allowed: string[]): Problem {
    return new Problem(405, 'method-not-allowed', 'Method Not Allowed', `${method} is not allowed here; use ${allowed.join(', ')}.`, undefined, {
      allow: allowed.join(', '),
    });
  }
  static idempotencyKeyReused(): Problem {
    return new Problem(409, 'idempotency-key-reused', 'Idempotency key reused',
      'The Idempotency-Key was used within the last 24 hours with another request body.',
      [{ location: 'header.Idempotency-Key', message: 'already used with another request body' }]);
  }
  static payloadTooLarge(limitBytes: number): Problem {
    return new Problem(413, 'payload-too-large', 'Payload Too Large', `The request body exceeds ${limitBytes} bytes.`);
  }
  static unsupportedMediaType(got: string | undefined): Problem {
    return new Problem(415, 'unsupported-media-type', 'Unsupported Media Type',
      `Send the body as application/json${got ? ` (got ${got})` : ''}.`,
      [{ location: 'header.content-type', message: 'must be application/json' }]);
  }
  /** A charset other than UTF-8, the only one JSON has (RFC 8259 §8.1). */
  static unsupportedCharset(charset: string): Problem {
    return new Problem(415, 'unsupported-charset', 'Unsupported Media Type', `Send the body as UTF-8 JSON (got charset=${charset}).`,
      [{ location: 'header.content-type', message: `charset ${charset} is not supported; JSON is UTF-8` }]);
  }
  /** A content coding the server does not undo (it undoes gzip, deflate and br). */
  static unsupportedContentEncoding(coding: string): Problem {
    return new Problem(415, 'unsupported-content-encoding', 'Unsupported Media Type',
      `The body is encoded as ${coding}; send it as gzip, deflate, br or unencoded.`,
      [{ location: 'header.content-encoding', message: `${coding} is not supported; use gzip, deflate, br or identity` }]);
  }
  /** The body is not what its `Content-Encoding` says (not that format at all, or cut short). */
  static undecodableContent(coding: string, reason: string): Problem {
    return new Problem(400, 'undecodable-content', 'Bad Request', `The body is not valid ${coding} data, as its Content-Encoding says.`,
      [{ location: 'header.content-encoding', message: `the body is not valid ${coding} data (${reason})` }]);
  }
  /** Bytes that are not UTF-8, refused rather than decoded with replacement characters. */
  static invalidUtf8(offset: number): Problem {
    return new Problem(400, 'invalid-utf8', 'Bad Request', 'The request body is not valid UTF-8.',
      [{ location: 'body', message: offset >= 0 ? `is not valid UTF-8 (at byte ${offset})` : 'is not valid UTF-8' }]);
  }
  /** The body could not be read to its end (the client closed the connection, or a transfer error). */
  static unreadableBody(reason: string): Problem {
    return new Problem(400, 'unreadable-body', 'Bad Request', 'The request body could not be read to its end.', [{ location: 'body', message: reason }]);
  }
  static tooManyRequests(detail: string, retryAfterSeconds: number): Problem {
    return new Problem(429, 'too-many-requests', 'Too Many Requests', detail, undefined, {
      'retry-after': String(Math.min(MAX_RETRY_AFTER_SECONDS, retryAfterSeconds)),
    });
  }
  /** A rotation while `max` replaced secrets still sign (server/channel/configure-channel.ts); nothing changed. */
  static tooManyRotations(max: number, retryAfterSeconds: number): Problem {
    return new Problem(429, 'too-many-rotations', 'Too Many Requests',
      `${max} replaced signing secrets still sign; the secret was not rotated. Try again after Retry-After seconds, when the first of them stops signing.`,
      undefined, { 'retry-after': String(Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, retryAfterSeconds))) });
  }
  /** The bot's active channel has more deliveries due than the bound (server/channel/backlog-guard.ts). */
  static backlogFull(botId: string, limit: number, retryAfterSeconds: number): Problem {
    return new Problem(429, 'backlog-full', 'Too Many Requests',
      `The webhook of bot '${botId}' has more than ${limit} deliveries waiting; nothing was stored. Try again after Retry-After seconds.`,
      undefined, { 'retry-after': String(retryAfterSeconds) });
  }
  /** The database is unreachable or busy past its timeouts (server/store/store-errors.ts); nothing was written. */
  static storeUnavailable(retryAfterSeconds: number): Problem {
    return new Problem(503, 'store-unavailable', 'Service Unavailable',
      'The database is unavailable; nothing was stored. Try again after Retry-After seconds.', undefined,
      { 'retry-after': String(Math.min(MAX_RETRY_AFTER_SECONDS, retryAfterSeconds)) });
  }
  /** The send would grow the conversation's session past its limits (server/channel/session-limit.ts). */
  static sessionTooLarge(errors: FieldError[]): Problem {
    return new Problem(422, 'session-too-large', 'Session too large', "The conversation's session would grow past its limit; send fewer or smaller variables.", errors);
  }
  static webhookUrlRefused(url: string, reason: string): Problem {
    return new Problem(422, 'webhook-url-refused', 'Webhook URL refused', `${withoutCredentials(url)} ${reason}.`, [{ location: 'body.url', message: reason }]);
  }
  static webhookVerificationFailed(url: string, reason: string): Problem {
    return new Problem(422, 'webhook-verification-failed', 'Webhook verification failed', `GET ${withoutCredentials(url)} ${reason}.`, [
      { location: 'body.url', message: reason },
    ]);
  }
}

/** A URL as it may be shown back: a user name or password in it (refused anyway) is not repeated. */
function withoutCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1…@');
}
