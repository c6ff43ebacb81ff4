/**
 * What a client connection may hold, and how one that breaks the rules is answered. Node's HTTP
 * server enforces the bounds; this module sets them and renders its refusals:
 * - headers that trickle in (or never come) are cut off after `headersTimeoutMs`, a body that
 *   trickles after `requestTimeoutMs` (both from the start of the request), an idle keep-alive
 *   connection after `keepAliveTimeoutMs` (slow-loris: test/reliability);
 * - Node checks the first two only every `connectionsCheckingInterval` (30 s by default, which
 *   would let a 15 s bound run to 45 s): it is set to a fraction of the shortest bound here;
 * - what Node answers at the connection level (408 for a timeout, 431 for oversized headers, 413
 *   for oversized chunk extensions, 400 for bytes that are not HTTP) is sent as an RFC 9457
 *   problem, like every other refusal.
 * @see https://nodejs.org/docs/latest-v20.x/api/http.html#httpcreateserveroptions-requestlistener
 */
import type { ServerOptions } from 'node:http';
import type { Duplex } from 'node:stream';
import type { HttpTimeouts } from '../config.js';
import { Problem } from '../problem.js';

/** The longest wait between two checks of the header and request bounds, in ms. */
const MAX_CHECK_INTERVAL_MS = 1_000;

/** The options for `http.createServer` that bound a connection's time. */
export function connectionTimeoutOptions(timeouts: HttpTimeouts): ServerOptions {
  return {
    headersTimeout: timeouts.headersTimeoutMs,
    requestTimeout: timeouts.requestTimeoutMs,
    keepAliveTimeout: timeouts.keepAliveTimeoutMs,
    // A bound is overrun by at most this much.
    connectionsCheckingInterval: Math.max(1, Math.min(MAX_CHECK_INTERVAL_MS, Math.floor(timeouts.headersTimeoutMs / 4))),
  };
}

/** The problem for an error Node's HTTP parser or its timeouts raised on a connection. */
export function connectionProblem(error: NodeJS.ErrnoException, timeouts: HttpTimeouts): Problem {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new Problem(408, 'request-timeout', 'Request Timeout',
        `The request was not received in time: its headers must arrive within ${timeouts.headersTimeoutMs} ms and the whole request within ${timeouts.requestTimeoutMs} ms.`);
    case 'HPE_HEADER_OVERFLOW':
      return new Problem(431, 'request-header-fields-too-large', 'Request Header Fields Too Large', 'The request headers are too large.');
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return new Problem(413, 'payload-too-large', 'Payload Too Large', 'The chunk extensions of the request body are too large.');
    default:
      return new Problem(400, 'malformed-request', 'Bad Request', 'The request is not valid HTTP/1.1.');
  }
}

/**
 * The server's `clientError` listener: answers a problem when nothing of a response was sent on
 * the connection yet (as Node itself would answer, with a body), then closes the connection.
 */
export function answerClientError(timeouts: HttpTimeouts): (error: NodeJS.ErrnoException, socket: Duplex) => void {
  return (error, socket) => {
    // `_httpMessage` is the response in flight on this connection, if any (what Node's own answer checks).
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (error.code !== 'ECONNRESET' && socket.writable && !inFlight?.headersSent) {
      const problem = connectionProblem(error, timeouts);
      const body = JSON.stringify(problem.toJSON());
      socket.write(
        `HTTP/1.1 ${problem.status} ${problem.title}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy();
  };
}
