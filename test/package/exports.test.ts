/**
 * What an integrator gets: the package's subpath exports, compiled JavaScript and .d.ts, imported
 * by plain Node 20 (no TypeScript loader) and type-checked by a consumer's own tsc.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
let consumer: string;

beforeAll(async () => {
  // The same compilation `npm ci` runs through `prepare`, so the test sees what would ship.
  await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT });
  consumer = await mkdtemp(join(tmpdir(), 'wc-consumer-'));
  await mkdir(join(consumer, 'node_modules'), { recursive: true });
  await symlink(ROOT, join(consumer, 'node_modules', 'webhook-channel'), 'dir');
  await writeFile(join(consumer, 'package.json'), JSON.stringify({ type: 'module' }));
}, 180_000);
afterAll(async () => {
  if (consumer) await rm(consumer, { recursive: true, force: true });
});

describe('the published package', () => {
  it('runs on plain Node: client and receiver kit by their subpaths', async () => {
    await writeFile(
      join(consumer, 'use.mjs'),
      `import { createWebhookChannelClient } from 'webhook-channel/client';
       import { signWebhook, verifyWebhook, WebhookVerificationError } from 'webhook-channel/receiver';
       const client = createWebhookChannelClient({ baseUrl: 'http://127.0.0.1:9', token: 't' });
       const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
       const body = JSON.stringify({ test: 1 });
       const signature = await signWebhook(secret, 'msg_1', 1614265330, body);
       let reason;
       try { await verifyWebhook(body, { 'webhook-id': 'msg_1', 'webhook-timestamp': '1614265330', 'webhook-signature': signature }, secret, { now: () => 1614265330 * 1000 }); }
       catch (error) { reason = error instanceof WebhookVerificationError ? error.reason : String(error); }
       console.log(JSON.stringify({ api: typeof client.api.POST, sendText: typeof client.sendText, reason }));`,
    );
    const { stdout } = await run(process.execPath, ['use.mjs'], { cwd: consumer });
    // The signature verifies; the body is then refused for not being a bot message: both halves ran.
    expect(JSON.parse(stdout)).toEqual({ api: 'function', sendText: 'function', reason: 'invalid_body' });
  });

  it('pulls no server code and no server dependency into the client or the receiver kit', async () => {
    const seen = new Set<string>();
    const bare = new Set<string>();
    const visit = async (file: string): Promise<void> => {
      if (seen.has(file)) return;
      seen.add(file);
      const code = await readFile(file, 'utf8');
      for (const [, specifier] of code.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"]([^'"]+)['"]/g)) {
        if (specifier!.startsWith('.')) await visit(resolve(dirname(file), specifier!));
        else bare.add(specifier!);
      }
    };
    await visit(join(ROOT, 'dist/client/index.js'));
    await visit(join(ROOT, 'dist/client/receiver/index.js'));
    const shipped = ['dist/client', 'dist/spec', 'dist/contract'].map((dir) => join(ROOT, dir));
    const outside = [...seen].filter((file) => !shipped.some((dir) => file.startsWith(dir)));
    expect(outside).toEqual([]);
    // Only the platform, openapi-fetch, the event stream's parser (no dependencies of its own), and
    // the format checks the generated validator uses: no koa, kysely, sqlite, undici or pino.
    expect([...bare].filter((name) => !name.startsWith('node:')).sort()).toEqual(['ajv-formats/dist/formats.js', 'eventsource-parser', 'openapi-fetch']);
    expect(seen.size).toBeGreaterThan(10);
  });

  it('type-checks in a consumer project (NodeNext) from the shipped .d.ts', async () => {
    await writeFile(
      join(consumer, 'use.ts'),
      `import { createWebhookChannelClient } from 'webhook-channel/client';
       import type { BotMessageEvent } from 'webhook-channel/receiver';
       import type { components } from 'webhook-channel/types';
       const client = createWebhookChannelClient({ baseUrl: 'http://127.0.0.1:3000', token: 't' });
       export async function send(): Promise<string | undefined> {
         const { data } = await client.sendText('demo', 'a7355930-fa92-11e7-8308-2f056e75d1ee', 'hi');
         return data?.messageId;
       }
       export function title(event: BotMessageEvent): string {
         switch (event.message.type) {
           case 'text': return event.message.text;
           case 'carousel': return event.message.attachment.payload.elements[0]?.title ?? '';
           default: return event.message.type;
         }
       }
       export const message: components['schemas']['UserMessage'] = { type: 'text', text: 'hi' };
       // @ts-expect-error a message type the spec does not have
       export const wrong: components['schemas']['UserMessage'] = { type: 'sticker' };`,
    );
    await writeFile(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, lib: ['ES2022', 'DOM'], types: [] }, files: ['use.ts'] }),
    );
    await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: consumer });
  });
});
