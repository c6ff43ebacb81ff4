/** `npm run token -- <botId>` (issue 10, item 16): it issues a token and says that the previous one stops working. */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { botTokenMatches, hashBotToken } from '../../server/credentials/bot-token.js';
import { findBot, openDatabase, saveBot } from '../../server/store/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wc-token-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

it('prints the new token alone on stdout and warns on stderr that the previous one is revoked', async () => {
  const databaseUrl = `sqlite:${join(dir, 'store.db')}`;
  const database = await openDatabase(databaseUrl);
  await saveBot(database.db, { id: 'demo', tokenHash: hashBotToken('the-old-token-0123456789'), now: Date.now() });
  await database.close();

  const run = spawnSync(process.execPath, ['--import', 'tsx', 'server/token-cli.ts', 'demo'], {
    env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(run.status).toBe(0);
  const token = run.stdout.trim();
  expect(token).toMatch(/^wct_[A-Za-z0-9_-]{43}$/);
  expect(run.stderr).toContain('The previous token no longer works');

  const reopened = await openDatabase(databaseUrl);
  const bot = await findBot(reopened.db, 'demo');
  await reopened.close();
  expect(botTokenMatches(token, bot!.tokenHash)).toBe(true);
  expect(botTokenMatches('the-old-token-0123456789', bot!.tokenHash)).toBe(false);
});
