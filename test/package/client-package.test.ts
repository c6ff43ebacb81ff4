/**
 * "A client that installs alone" (issue 10): the client and the receiver kit as their own
 * package, `webhook-channel-client` (client/package.json). The test packs it as npm would
 * publish it, installs the tarball alone in an empty project, imports it on plain Node (no
 * TypeScript loader) and type-checks a consumer against the shipped .d.ts.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
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
let consumer: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'wc-client-package-'));
  // `npm pack` runs the package's prepack (its own tsc build), as publishing would.
  const { stdout } = await npm(['pack', '--pack-destination', work, '--silent'], join(ROOT, 'client'));
  const tarball = join(work, stdout.trim().split('\n').at(-1)!);
  consumer = join(work, 'consumer');
  await mkdir(consumer);
  await writeFile(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  // The types a TypeScript consumer of the Node and Koa adapters has anyway (optional peers).
  await npm(['install', tarball, '@types/node@20.19.43', '@types/koa@3.0.3', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], consumer);
}, 300_000);
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the webhook-channel-client package, installed alone', () => {
  it('pulls openapi-fetch, the event stream parser and the format checks of its validator, and nothing of the server', async () => {
    const installed = (await readdir(join(consumer, 'node_modules'))).filter((name) => !name.startsWith('.') && name !== '@types');
    expect(installed.sort()).toEqual(
      ['ajv', 'ajv-formats', 'eventsource-parser', 'fast-deep-equal', 'fast-uri', 'json-schema-traverse', 'openapi-fetch', 'openapi-typescript-helpers', 'require-from-string', 'undici-types', 'webhook-channel-client'].sort(),
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

  it('type-checks in a consumer project (NodeNext, strict, library checks on) from the shipped .d.ts', async () => {
    await writeFile(
      join(consumer, 'use.ts'),
      `import { createWebhookChannelClient, type Problem } from 'webhook-channel-client';
       import { nodeWebhookHandler, type BotMessageEvent } from 'webhook-channel-client/receiver';
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
       export const handler = nodeWebhookHandler({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', onMessage: (e) => void title(e) });
       export const message: components['schemas']['UserMessage'] = { type: 'text', text: 'hi' };
       // @ts-expect-error a message type the spec does not have
       export const wrong: components['schemas']['UserMessage'] = { type: 'sticker' };`,
    );
    await writeFile(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: false, lib: ['ES2022', 'DOM'], types: ['node'] }, files: ['use.ts'] }),
    );
    await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: consumer });
  });
});
