#!/usr/bin/env node
/**
 * A receiver built with the kit, to try the mock against: it answers the handshake and says so,
 * verifies each delivery and prints it, prints why it refused one, and says when it drops a
 * duplicate (a retry of a delivery it already handled).
 *
 *   npx tsx mock/example-receiver.ts                  # http://127.0.0.1:4011/webhook, demo secret
 *   npx tsx mock/example-receiver.ts --secret whsec_… --verify-token … --port 4011
 */
import { realpathSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { nodeWebhookHandler, WebhookVerificationError, type BotMessage, type BotMessageEvent } from '../client/receiver/index.js';
import { DEMO_SECRET, DEMO_VERIFY_TOKEN } from './demo-credentials.js';

export interface ExampleReceiverOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  path?: string;
  secrets?: string | string[];
  verifyToken?: string;
  log?: (line: string) => void;
}

export interface ExampleReceiver {
  url: string;
  /** Every event handled, in order. */
  events: BotMessageEvent[];
  /** The reason of every refused delivery, in order. */
  refusals: string[];
  close(): Promise<void>;
}

/** One line about a message, whatever its type: the switch is exhaustive over the spec's types. */
export function summarize(message: BotMessage): string {
  switch (message.type) {
    case 'text':
      return JSON.stringify(message.text);
    case 'buttons':
      return `${JSON.stringify(message.attachment.payload.text)} + ${message.attachment.payload.buttons.length} button(s)`;
    case 'quick_replies':
      return `${JSON.stringify(message.text)} + ${message.quick_replies.map((r) => r.title).join(' | ')}`;
    case 'carousel':
      return `${message.attachment.payload.elements.length} card(s): ${message.attachment.payload.elements.map((e) => e.title).join(', ')}`;
    case 'list':
      return `${message.attachment.payload.elements.length} item(s): ${message.attachment.payload.elements.map((e) => e.title).join(', ')}`;
    case 'media':
      return `${message.attachment.type} ${message.attachment.payload.url}`;
    default: {
      const unknown: never = message;
      return JSON.stringify(unknown);
    }
  }
}

/** Starts the receiver; `close()` stops it. */
export async function startExampleReceiver(options: ExampleReceiverOptions = {}): Promise<ExampleReceiver> {
  const log = options.log ?? ((line: string) => console.log(line));
  const path = options.path ?? '/webhook';
  const events: BotMessageEvent[] = [];
  const refusals: string[] = [];
  const handler = nodeWebhookHandler({
    secrets: options.secrets ?? DEMO_SECRET,
    verifyToken: options.verifyToken ?? DEMO_VERIFY_TOKEN,
    onMessage(event, { webhookId }) {
      events.push(event);
      log(`✓ ${event.message.type} #${event.messageCounter} for ${event.senderId} (${webhookId}): ${summarize(event.message)}`);
    },
    onHandshake({ status, challenge, refusal }) {
      log(status === 200 ? `↔ handshake: echoed hub.challenge ${challenge}` : `✗ handshake refused (${refusal})`);
    },
    onDuplicate({ webhookId }) {
      log(`↺ duplicate ${webhookId} dropped: already handled (acknowledged with 200, not handled again)`);
    },
    onError(error) {
      if (error instanceof WebhookVerificationError) {
        refusals.push(error.reason);
        log(`✗ refused (${error.reason}): ${error.message}`);
      } else {
        log(`✗ ${error instanceof Error ? error.message : String(error)}`);
      }
    },
  });
  const server = createServer((req, res) => {
    if (new URL(req.url ?? '/', 'http://x').pathname !== path) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    handler(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 4011, options.host ?? '127.0.0.1', resolve);
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}${path}`,
    events,
    refusals,
    close: () => new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

const USAGE = `Usage: webhook-channel-receiver [--port 4011] [--host 127.0.0.1] [--path /webhook]
                               [--secret whsec_… (repeat during a rotation)] [--verify-token …]`;

async function cli(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        path: { type: 'string' },
        secret: { type: 'string', multiple: true },
        'verify-token': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const port = values.port === undefined ? 4011 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port: '${values.port}' is not a port number\n${USAGE}`);
    process.exit(2);
  }
  let receiver: ExampleReceiver;
  try {
    receiver = await startExampleReceiver({
      port,
      host: values.host,
      path: values.path,
      secrets: values.secret,
      verifyToken: values['verify-token'],
    });
  } catch (error) {
    // A bad secret or a port in use: say so in one line, not with a stack trace.
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  console.log(`Receiving at ${receiver.url}${values.secret ? '' : ` with the demo secret ${DEMO_SECRET}`} (Ctrl-C to stop)`);
}

function isEntryPoint(): boolean {
  try {
    return !!process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) await cli();
