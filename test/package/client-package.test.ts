/**
 * "A client that installs alone" (issue 10): the client and the receiver kit as their own
 * package, `webhook-channel-client` (client/package.json). The test packs it as npm would
 * publish it, installs the tarball alone in an empty project, imports it on plain Node (no
 * TypeScript loader) and type-checks consumers against the shipped .d.ts, always with library
 * checks on (no skipLibCheck): one with no types installed at all (no koa, no express, not even
 * @types/node, as on an edge runtime), one with the types of Node, Koa and Express, whose
 * objects must fit every adapter.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const NPM_CLI = process.env.npm_execpath && /npm-cli\.js$/.test(process.env.npm_execpath) ? process.env.npm_execpath : undefined;
/** npm itself, run the same way whether the test was started through npm or not. */
const npm = (args: string[], cwd: string) =>
  NPM_CLI ? run(process.execPath, [NPM_CLI, ...args], { cwd, maxBuffer: 16 << 20 }) : run('npm', args, { cwd, maxBuffer: 16 << 20 });

let work: string;
/** The tarball installed alone: no @types of any kind. */
let consumer: string;
/** The tarball with the types of Node, Koa and Express, as a server project has them. */
let typed: string;

/** Strict, NodeNext, and the library check that `skipLibCheck` would turn off. */
const STRICT = { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: false };

/** Runs the repo's tsc in `cwd` with `tsconfig.json`; rejects with tsc's report on any error. */
async function typeCheck(cwd: string, compilerOptions: object, files: string[]): Promise<void> {
  await writeFile(join(cwd, 'tsconfig.json'), JSON.stringify({ compilerOptions: { ...STRICT, ...compilerOptions }, files }));
  try {
    await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`tsc failed:\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'wc-client-package-'));
  // `npm pack` runs the package's prepack (its own tsc build), as publishing would.
  const { stdout } = await npm(['pack', '--pack-destination', work, '--silent'], join(ROOT, 'client'));
  const tarball = join(work, stdout.trim().split('\n').at(-1)!);
  const project = async (name: string, extra: string[]) => {
    const dir = join(work, name);
    await mkdir(dir);
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }));
    await npm(['install', tarball, ...extra, '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], dir);
    return dir;
  };
  consumer = await project('consumer', []);
  // The types a consumer of the Node, Koa or Express adapters has from its framework anyway.
  typed = await project('typed', ['@types/node@20.19.43', '@types/koa@3.0.3', '@types/express@5.0.6']);
}, 300_000);
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the webhook-channel-client package, installed alone', () => {
  it('pulls openapi-fetch, the event stream parser and the format checks of its validator, and nothing of the server', async () => {
    const installed = (await readdir(join(consumer, 'node_modules'))).filter((name) => !name.startsWith('.') && name !== '@types');
    expect(installed.sort()).toEqual(
      ['ajv', 'ajv-formats', 'eventsource-parser', 'fast-deep-equal', 'fast-uri', 'json-schema-traverse', 'openapi-fetch', 'openapi-typescript-helpers', 'require-from-string', 'webhook-channel-client'].sort(),
    );
  });

  it('runs on plain Node: the client, the receiver kit and the types by their subpaths', async () => {
    await writeFile(
      join(consumer, 'use.mjs'),
      `import { createWebhookChannelClient } from 'webhook-channel-client';
       import { signWebhook, verifyWebhook, WebhookVerificationError } from 'webhook-channel-client/receiver';
       await import('webhook-channel-client/types');
       const client = createWebhookChannelClient({ baseUrl: 'http://127.0.0.1:9', token: 't', retries: 0,
         fetch: async () => new Response('EVENT_RECEIVED', { headers: { 'content-type': 'text/plain' } }) });
       const legacy = await client.api.POST('/api/webhookMessage/{botId}', { params: { path: { botId: 'demo' } }, body: {} });
       const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
       const body = JSON.stringify({ test: 1 });
       const signature = await signWebhook(secret, 'msg_1', 1614265330, body);
       let reason;
       try { await verifyWebhook(body, { 'webhook-id': 'msg_1', 'webhook-timestamp': '1614265330', 'webhook-signature': signature }, secret, { now: () => 1614265330 * 1000 }); }
       catch (error) { reason = error instanceof WebhookVerificationError ? error.reason : String(error); }
       console.log(JSON.stringify({ data: legacy.data, reason }));`,
    );
    const { stdout } = await run(process.execPath, ['use.mjs'], { cwd: consumer });
    // The signature verifies; the body is then refused for not being a bot message: both halves ran.
    expect(JSON.parse(stdout)).toEqual({ data: 'EVENT_RECEIVED', reason: 'invalid_body' });
  });

  it('ships a README', async () => {
    const readme = await readFile(join(consumer, 'node_modules/webhook-channel-client/README.md'), 'utf8');
    expect(readme).toMatch(/npm i(nstall)? webhook-channel-client/);
    expect(readme).toContain('createWebhookChannelClient');
    expect(readme).toContain('nodeWebhookHandler');
  });

  it('type-checks every entry point and adapter with no types installed at all (strict, no skipLibCheck)', async () => {
    await writeFile(
      join(consumer, 'bare.ts'),
      `import { createWebhookChannelClient, type Problem } from 'webhook-channel-client';
       import * as receiver from 'webhook-channel-client/receiver';
       import type { components } from 'webhook-channel-client/types';
       const client = createWebhookChannelClient({ baseUrl: 'http://127.0.0.1:3000', token: 't' });
       export async function send(): Promise<string | Problem | undefined> {
         const { data, error } = await client.sendText('demo', 'a7355930-fa92-11e7-8308-2f056e75d1ee', 'hi');
         return error ?? data?.messageId;
       }
       const options = { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', onMessage: (e: receiver.BotMessageEvent) => void e.senderId };
       export const adapters = [receiver.fetchWebhookHandler(options), receiver.nodeWebhookHandler(options), receiver.koaWebhookReceiver(options)];
       export const message: components['schemas']['UserMessage'] = { type: 'text', text: 'hi' };`,
    );
    // types: [] keeps out whatever @types a parent folder might hold; lib has no Node in it.
    await typeCheck(consumer, { types: [], lib: ['ES2022', 'DOM'] }, ['bare.ts']);
  });

  it('type-checks in a Node, Koa and Express project: their request, response and context objects fit the adapters', async () => {
    await writeFile(
      join(typed, 'use.ts'),
      `import { createServer, type IncomingMessage } from 'node:http';
       import Koa from 'koa';
       import express from 'express';
       import { createWebhookChannelClient, type Problem } from 'webhook-channel-client';
       import { koaWebhookReceiver, nodeWebhookHandler, type BotMessageEvent } from 'webhook-channel-client/receiver';
       import type { components } from 'webhook-channel-client/types';
       const client = createWebhookChannelClient({ baseUrl: 'http://127.0.0.1:3000', token: 't' });
       export async function send(): Promise<string | Problem | undefined> {
         const { data, error } = await client.sendText('demo', 'a7355930-fa92-11e7-8308-2f056e75d1ee', 'hi');
         return error ?? data?.messageId;
       }
       export function title(event: BotMessageEvent): string {
         switch (event.message.type) {
           case 'text': return event.message.text;
           case 'carousel': return event.message.attachment.payload.elements[0]?.title ?? '';
           default: return event.message.type;
         }
       }
       const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
       export const server = createServer(nodeWebhookHandler({ secret, onMessage: (e) => void title(e) }));
       export const typedReq = nodeWebhookHandler<IncomingMessage>({ secret, onMessage: (_e, { req }) => void req.socket.remoteAddress });
       const koa = new Koa();
       koa.use(koaWebhookReceiver({ secret, path: '/webhook', onMessage: (e) => void title(e) }));
       koa.use(koaWebhookReceiver<Koa.Context>({ secret, onMessage: (_e, { ctx }) => void ctx.state }));
       const app = express();
       const webhook = nodeWebhookHandler({ secret, onMessage: (e) => void title(e) });
       app.get('/webhook', webhook);
       app.post('/webhook', express.raw({ type: 'application/json' }), webhook);
       export const message: components['schemas']['UserMessage'] = { type: 'text', text: 'hi' };
       // @ts-expect-error a message type the spec does not have
       export const wrong: components['schemas']['UserMessage'] = { type: 'sticker' };`,
    );
    await typeCheck(typed, { lib: ['ES2022', 'DOM'], types: ['node'] }, ['use.ts']);
  });
});
