/**
 * The receivers over real HTTP on 127.0.0.1: the hub.challenge handshake, valid, tampered and
 * duplicate deliveries, and a failing handler; the same behaviour from Koa, node:http and the
 * fetch handler.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bodyParser } from '@koa/bodyparser';
import Koa from 'koa';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  fetchWebhookHandler,
  koaWebhookReceiver,
  nodeWebhookHandler,
  WebhookVerificationError,
  type BotMessageEvent,
  type WebhookReceiverOptions,
} from '../../client/receiver/index.js';
import { assertBotMessageEvent, resolve, spec } from '../support/contract.js';

const SECRET = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
const VERIFY_TOKEN = 'the-verify-token';
const examples = spec.webhooks.botMessage.post.requestBody.content['application/json'].examples;
const event = resolve(examples.quickReplies, '').node.value as BotMessageEvent;
const sender = new Webhook(SECRET);

/** What the receiver under test saw. */
interface Recorder {
  handled: { event: BotMessageEvent; webhookId: string }[];
  errors: unknown[];
  failNext: number;
  /** Resolves when the handler is entered; the handler then waits for `release`. */
  gate?: { entered: () => void; release: Promise<void> };
}

function receiverOptions(recorder: Recorder): WebhookReceiverOptions {
  return {
    secret: SECRET,
    verifyToken: VERIFY_TOKEN,
    async onMessage(received, { webhookId }) {
      if (recorder.gate) {
        recorder.gate.entered();
        await recorder.gate.release;
      }
      if (recorder.failNext > 0) {
        recorder.failNext--;
        throw new Error('the database is down');
      }
      recorder.handled.push({ event: received, webhookId });
    },
    onError: (error) => void recorder.errors.push(error),
  };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function close(server: Server): Promise<void> {
  return new Promise((done) => server.close(() => done()));
}

interface Target {
  url: string;
  close(): Promise<void>;
}

const receivers: [string, (recorder: Recorder) => Promise<Target>][] = [
  [
    'Koa middleware',
    async (recorder) => {
      const app = new Koa();
      app.use(koaWebhookReceiver({ ...receiverOptions(recorder), path: '/webhook' }));
      app.use((ctx) => {
        ctx.status = 404;
        ctx.body = 'elsewhere';
      });
      const server = createServer(app.callback());
      return { url: `${await listen(server)}/webhook`, close: () => close(server) };
    },
  ],
  [
    'Koa middleware behind @koa/bodyparser',
    async (recorder) => {
      const app = new Koa();
      app.use(bodyParser());
      app.use(koaWebhookReceiver(receiverOptions(recorder)));
      const server = createServer(app.callback());
      return { url: `${await listen(server)}/webhook`, close: () => close(server) };
    },
  ],
  [
    'node:http handler',
    async (recorder) => {
      const server = createServer(nodeWebhookHandler(receiverOptions(recorder)));
      return { url: `${await listen(server)}/webhook`, close: () => close(server) };
    },
  ],
  [
    'node:http handler after a raw body reader (as express.raw() leaves it)',
    async (recorder) => {
      const handler = nodeWebhookHandler(receiverOptions(recorder));
      const server = createServer(async (req, res) => {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        (req as typeof req & { body: Buffer }).body = Buffer.concat(chunks);
        handler(req, res);
      });
      return { url: `${await listen(server)}/webhook`, close: () => close(server) };
    },
  ],
  [
    'fetch handler (served through node:http)',
    async (recorder) => {
      const handle = fetchWebhookHandler(receiverOptions(recorder));
      const server = createServer(async (req, res) => {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const request = new Request(`http://127.0.0.1${req.url}`, {
          method: req.method,
          headers: req.headers as Record<string, string>,
          body: req.method === 'GET' ? undefined : Buffer.concat(chunks),
        });
        const response = await handle(request);
        const headers: Record<string, string> = {};
        response.headers.forEach((value, key) => (headers[key] = value));
        res.writeHead(response.status, headers).end(await response.text());
      });
      return { url: `${await listen(server)}/webhook`, close: () => close(server) };
    },
  ],
];

function signed(body: string, webhookId: string, at = new Date()): Record<string, string> {
  return {
    'content-type': 'application/json',
    'webhook-id': webhookId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': sender.sign(webhookId, at, body),
  };
}

async function deliver(url: string, body: string, headers: Record<string, string>) {
  const response = await fetch(url, { method: 'POST', body, headers });
  return { status: response.status, text: await response.text() };
}

let deliveryNumber = 0;
const nextId = () => `msg_test_${++deliveryNumber}`;

describe.each(receivers)('a receiver built as %s', (_name, start) => {
  let target: Target;
  const recorder: Recorder = { handled: [], errors: [], failNext: 0 };

  beforeAll(async () => {
    target = await start(recorder);
  });
  afterAll(async () => {
    await target?.close();
  });
  beforeEach(() => {
    recorder.handled.length = 0;
    recorder.errors.length = 0;
    recorder.failNext = 0;
    recorder.gate = undefined;
  });

  it('echoes hub.challenge when the verify token matches', async () => {
    const response = await fetch(`${target.url}?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=482913005716238`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await response.text()).toBe('482913005716238');
  });

  it('refuses the handshake with 403 when the verify token differs', async () => {
    const response = await fetch(`${target.url}?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=482913005716238`);
    expect(response.status).toBe(403);
    expect(await response.text()).not.toContain('482913005716238');
  });

  it('hands a valid delivery to the handler, typed and matching the spec, and answers 200', async () => {
    const body = JSON.stringify(event);
    const webhookId = nextId();
    expect(await deliver(target.url, body, signed(body, webhookId))).toEqual({ status: 200, text: 'ok' });
    expect(recorder.handled).toEqual([{ event, webhookId }]);
    assertBotMessageEvent(recorder.handled[0]!.event);
  });

  it('verifies the bytes as sent, whitespace included', async () => {
    const body = JSON.stringify(event, null, 4);
    expect((await deliver(target.url, body, signed(body, nextId()))).status).toBe(200);
    expect(recorder.handled).toHaveLength(1);
  });

  it('refuses a tampered body with 401 and never calls the handler', async () => {
    const body = JSON.stringify(event);
    const tampered = body.replace('What would you like to see?', 'Send me your password');
    expect(await deliver(target.url, tampered, signed(body, nextId()))).toEqual({ status: 401, text: 'no_matching_signature' });
    expect(recorder.handled).toHaveLength(0);
    expect((recorder.errors[0] as WebhookVerificationError).reason).toBe('no_matching_signature');
  });

  it('refuses a replayed delivery signed ten minutes ago with 401', async () => {
    const body = JSON.stringify(event);
    const answer = await deliver(target.url, body, signed(body, nextId(), new Date(Date.now() - 600_000)));
    expect(answer).toEqual({ status: 401, text: 'timestamp_too_old' });
  });

  it('answers 400 to a signed body that is not a BotMessageEvent', async () => {
    const body = JSON.stringify({ ...event, message: { type: 'video' } });
    expect(await deliver(target.url, body, signed(body, nextId()))).toEqual({ status: 400, text: 'invalid_body' });
    expect(recorder.handled).toHaveLength(0);
  });

  it('acknowledges a duplicate webhook-id with 200 without calling the handler again', async () => {
    const body = JSON.stringify(event);
    const webhookId = nextId();
    expect(await deliver(target.url, body, signed(body, webhookId))).toEqual({ status: 200, text: 'ok' });
    expect(await deliver(target.url, body, signed(body, webhookId))).toEqual({ status: 200, text: 'duplicate' });
    expect(recorder.handled).toHaveLength(1);
  });

  it('answers 500 when the handler throws, and handles the retry of that delivery', async () => {
    const body = JSON.stringify(event);
    const webhookId = nextId();
    recorder.failNext = 1;
    expect(await deliver(target.url, body, signed(body, webhookId))).toEqual({ status: 500, text: 'handler_failed' });
    expect(recorder.errors).toEqual([new Error('the database is down')]);
    expect(await deliver(target.url, body, signed(body, webhookId))).toEqual({ status: 200, text: 'ok' });
    expect(recorder.handled.map((h) => h.webhookId)).toEqual([webhookId]);
  });

  it('answers 409 to the same webhook-id arriving while the first is being handled', async () => {
    const body = JSON.stringify(event);
    const webhookId = nextId();
    let release!: () => void;
    const entered = new Promise<void>((resolveEntered) => {
      recorder.gate = { entered: resolveEntered, release: new Promise<void>((r) => (release = r)) };
    });
    const first = deliver(target.url, body, signed(body, webhookId));
    await entered;
    expect(await deliver(target.url, body, signed(body, webhookId))).toEqual({ status: 409, text: 'in_progress' });
    release();
    expect(await first).toEqual({ status: 200, text: 'ok' });
    expect(recorder.handled).toHaveLength(1);
  });

  it('answers 405 to other methods', async () => {
    const response = await fetch(target.url, { method: 'PUT', body: '{}' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, POST');
  });
});

describe('a receiver refusing what it cannot verify', () => {
  it('answers 413 to a body over maxBodyBytes', async () => {
    const server = createServer(nodeWebhookHandler({ secret: SECRET, maxBodyBytes: 100, onMessage: () => {}, onError: () => {} }));
    const url = await listen(server);
    try {
      const body = JSON.stringify(event);
      expect(await deliver(url, body, signed(body, nextId()))).toEqual({ status: 413, text: 'body_too_large' });
    } finally {
      await close(server);
    }
  });

  it('answers 500 with an explanation when a JSON body parser consumed the raw body first', async () => {
    const errors: unknown[] = [];
    const handler = nodeWebhookHandler({ secret: SECRET, onMessage: () => {}, onError: (e) => void errors.push(e) });
    const server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      (req as typeof req & { body: unknown }).body = JSON.parse(Buffer.concat(chunks).toString());
      handler(req, res);
    });
    const url = await listen(server);
    try {
      const body = JSON.stringify(event);
      expect(await deliver(url, body, signed(body, nextId()))).toEqual({ status: 500, text: 'raw_body_unavailable' });
      expect(String(errors[0])).toMatch(/before any JSON body parser/);
    } finally {
      await close(server);
    }
  });

  it('refuses to start without a valid secret', () => {
    expect(() => nodeWebhookHandler({ secret: 'whsec_nope', onMessage: () => {} })).toThrow(WebhookVerificationError);
  });

  it('refuses every handshake when no verify token is configured', async () => {
    const handle = fetchWebhookHandler({ secret: SECRET, onMessage: () => {} });
    const response = await handle(new Request('http://127.0.0.1/webhook?hub.mode=subscribe&hub.verify_token=&hub.challenge=1'));
    expect(response.status).toBe(403);
  });
});
