/**
 * A throw-away PostgreSQL server for tests: `initdb` and `pg_ctl` from the machine's PostgreSQL
 * (Debian puts them under /usr/lib/postgresql/<version>/bin), a cluster in a temporary folder,
 * a free port on 127.0.0.1, trust authentication, durability off (tests prove behaviour, not
 * fsync). As root, the server runs as the `postgres` user, since PostgreSQL refuses root.
 * Each test then gets a database of its own on it (`createTestDatabase`).
 */
import { execFile as execFileCallback } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './child-output.js';

const execFile = promisify(execFileCallback);

/** Where the binaries are, or why the PostgreSQL runs are skipped. */
export type PostgresBinaries = { found: true; bin: string } | { found: false; reason: string };

/** Looks for `initdb` and `pg_ctl`: PG_BIN first, then the newest Debian install, then PATH. */
export function findPostgresBinaries(env: NodeJS.ProcessEnv = process.env): PostgresBinaries {
  const candidates: string[] = [];
  if (env.PG_BIN) candidates.push(env.PG_BIN);
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => join(debian, v, 'bin')));
  }
  candidates.push(...(env.PATH ?? '').split(':').filter(Boolean));
  const bin = candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
  if (bin) return { found: true, bin };
  return {
    found: false,
    reason: 'initdb and pg_ctl were not found (PG_BIN, /usr/lib/postgresql/*/bin, PATH); install PostgreSQL (Debian: apt-get install postgresql) to run them',
  };
}

export interface PostgresServer {
  /** The maintenance database's URL (user `postgres`, no password, 127.0.0.1). */
  adminUrl: string;
  port: number;
  /** Stops the server the way a crash or an operator would (`immediate` drops every connection at once). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Starts it again on the same port and data: the "database came back" half of a restart. */
  start(): Promise<void>;
  /** Stops the server and removes its folder. */
  destroy(): Promise<void>;
}

/**
 * Initialises and starts a cluster in a fresh temporary folder; throws with initdb's or pg_ctl's
 * output on failure. `durable` keeps fsync and synchronous commits on (the bench measures them;
 * tests do not need them).
 */
export async function startPostgresServer(
  binaries: PostgresBinaries = findPostgresBinaries(),
  { durable = false }: { durable?: boolean } = {},
): Promise<PostgresServer> {
  if (!binaries.found) throw new Error(`PostgreSQL: ${binaries.reason}`);
  const dir = await mkdtemp(join(tmpdir(), 'wc-pg-'));
  const data = join(dir, 'data');
  const runAs = await postgresUser();
  if (runAs) await chown(dir, runAs.uid, runAs.gid);
  const run = (tool: string, args: string[]) =>
    execFile(join(binaries.bin, tool), args, { cwd: dir, timeout: 60_000, ...(runAs && { uid: runAs.uid, gid: runAs.gid }) }).catch((error) => {
      throw new Error(`PostgreSQL: ${tool} failed: ${error.stderr || error.stdout || error.message}`);
    });
  await run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-sync', '--no-instructions']);
  const port = await freePort();
  const options = [
    `-p ${port}`,
    "-c listen_addresses='127.0.0.1'",
    `-c unix_socket_directories='${dir}'`,
    ...(durable ? [] : ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off']),
    '-c max_connections=300',
    '-c shared_buffers=32MB',
  ].join(' ');
  const start = () => run('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-o', options, '-w', '-t', '60', 'start']).then(() => undefined);
  const stop = (mode: 'fast' | 'immediate' = 'fast') => run('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '60', 'stop']).then(() => undefined);
  await start();
  let destroyed = false;
  return {
    adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    stop,
    start,
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      await stop('immediate').catch(() => undefined); // already stopped is fine
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The `postgres` user's ids when running as root (initdb refuses root), else undefined. */
async function postgresUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const ids = async (flag: string) => Number((await execFile('id', [flag, 'postgres'])).stdout.trim());
  try {
    return { uid: await ids('-u'), gid: await ids('-g') };
  } catch {
    throw new Error('PostgreSQL: running as root needs a `postgres` user to run the server as (Debian\'s package creates it)');
  }
}

let databases = 0;

/** A fresh, empty database on the server; `drop` removes it (closing whatever still holds it). */
export async function createTestDatabase(adminUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `wc_test_${process.pid}_${++databases}_${Math.random().toString(36).slice(2, 8)}`;
  await withAdmin(adminUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => withAdmin(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

async function withAdmin<T>(adminUrl: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}
