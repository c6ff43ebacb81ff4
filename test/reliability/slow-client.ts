/**
 * Slow-loris clients: raw TCP connections to 127.0.0.1 that hold a server's connection without
 * ever finishing a request. Each records what the server answered and when it closed the
 * connection; the client itself never closes it before `destroy()` (the test's cleanup).
 */
import { connect, type Socket } from 'node:net';

export type SlowKind =
  /** Connects and sends nothing. */
  | 'silent'
  /** Sends a request line, then header bytes one at a time, never the blank line that ends them. */
  | 'trickling headers'
  /** Sends whole headers announcing a body, then the body one byte at a time, never all of it. */
  | 'trickling body'
  /** Sends one whole request, reads the answer, then keeps the connection open and idle. */
  | 'idle keep-alive';

export interface SlowClient {
  kind: SlowKind;
  /** Everything the server sent, as text. */
  received(): string;
  /** When the server closed the connection (ms since the epoch), undefined while it is open. */
  closedAt: number | undefined;
  openedAt: number;
  destroy(): void;
}

export interface SlowRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** What a `trickling body` client sends, a byte at a time, over and over; it announces 100 kB. */
  body: string;
}

/** One byte every this many ms: far slower than any bound the server may set, never silent. */
const TRICKLE_MS = 50;

export function openSlowClient(port: number, kind: SlowKind, request: SlowRequest): Promise<SlowClient> {
  return new Promise((opened, failed) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let text = '';
    let timer: NodeJS.Timeout | undefined;
    const client: SlowClient = {
      kind,
      received: () => text,
      closedAt: undefined,
      openedAt: Date.now(),
      destroy() {
        clearInterval(timer);
        socket.destroy();
      },
    };
    const head = (extra: Record<string, string>) =>
      `${request.method} ${request.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${Object.entries({ ...request.headers, ...extra })
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('')}`;
    const trickle = (bytes: string) => {
      let at = 0;
      timer = setInterval(() => {
        if (socket.destroyed) return clearInterval(timer);
        socket.write(bytes[at++ % bytes.length]!);
      }, TRICKLE_MS);
    };
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', () => undefined); // a reset by the server is one way of cutting off
    socket.on('close', () => {
      clearInterval(timer);
      client.closedAt = Date.now();
    });
    socket.once('error', failed);
    socket.once('connect', () => {
      socket.off('error', failed);
      client.openedAt = Date.now();
      switch (kind) {
        case 'silent':
          break;
        case 'trickling headers':
          socket.write(head({}));
          trickle('X-Slow: a\r\n');
          break;
        case 'trickling body': {
          // Under the body limit, and far more than the test lasts at this pace.
          socket.write(`${head({ 'content-type': 'application/json', 'content-length': String(100_000) })}\r\n`);
          trickle(request.body);
          break;
        }
        case 'idle keep-alive':
          socket.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n`);
          break;
      }
      opened(client);
    });
  });
}
