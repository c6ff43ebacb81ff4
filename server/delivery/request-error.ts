/**
 * Why a webhook request got no answer, in words that say what the URL did ("connection refused",
 * "timed out after 10 s"), for the attempt log and the handshake's 422 problem.
 */
import { UrlRefusedError } from './url-guard.js';

export type RequestFailure =
  /** The whole attempt took longer than its timeout. */
  | 'timeout'
  /** The URL guard refused the address the host resolved to at connect time. */
  | 'refused-url'
  /** Nothing listens there. */
  | 'connection-refused'
  /** DNS, TLS, a reset, a closed socket… */
  | 'connection-failed'
  /** We gave up ourselves (shutting down). */
  | 'aborted';

export interface DescribedFailure {
  failure: RequestFailure;
  message: string;
}

/** `timedOut` and `aborted` (read from the request's signals) tell a timeout and our own abort apart from what the network did. */
export function describeRequestError(
  error: unknown,
  context: { timeoutMs: number; timedOut: boolean; aborted: boolean },
): DescribedFailure {
  if (context.aborted) return { failure: 'aborted', message: 'aborted: the server is shutting down' };
  if (context.timedOut) return { failure: 'timeout', message: `timed out after ${formatDuration(context.timeoutMs)}` };
  const refusal = urlRefusalIn(error);
  if (refusal) return { failure: 'refused-url', message: refusal.message };
  const cause = firstCause(error);
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    // undici's own timers on the connection: no answer (or no more of it) in time.
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return { failure: 'timeout', message: `timed out after ${formatDuration(context.timeoutMs)}` };
    case 'ECONNREFUSED':
      return { failure: 'connection-refused', message: 'connection refused' };
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return { failure: 'connection-failed', message: 'closed the connection without answering' };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { failure: 'connection-failed', message: `does not resolve (${code})` };
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return { failure: 'connection-failed', message: 'timed out while connecting' };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { failure: 'connection-failed', message: `is unreachable (${code})` };
    default:
      return { failure: 'connection-failed', message: `could not be reached (${code ?? (cause as Error | undefined)?.message ?? String(error)})` };
  }
}

/** `10 s`, `250 ms`. */
export function formatDuration(ms: number): string {
  return ms >= 1000 && ms % 100 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** The URL guard's refusal behind a connection error, if that is what it was. */
export function urlRefusalIn(error: unknown): UrlRefusedError | null {
  const cause = firstCause(error);
  return cause instanceof UrlRefusedError ? cause : null;
}

// Happy eyeballs reports every address it tried at once; the first says enough.
function firstCause(error: unknown): unknown {
  return error instanceof AggregateError && error.errors.length > 0 ? error.errors[0] : error;
}
