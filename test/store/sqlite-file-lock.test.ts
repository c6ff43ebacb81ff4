import { existsSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockSqliteFile, StoreInUseError } from '../../server/store/index.js';

let dir: string;
beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'wc-lock-'))));
afterEach(async () => rm(dir, { recursive: true, force: true }));

describe('lockSqliteFile', () => {
  it('takes the file, and gives it back on release', () => {
    const file = join(dir, 'a.db');
    const lock = lockSqliteFile(file);
    expect(existsSync(`${file}.lock`)).toBe(true);
    lock.release();
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it('refuses a file a live process holds, naming it and pointing to PostgreSQL', () => {
    const file = join(dir, 'b.db');
    writeFileSync(`${file}.lock`, `${process.ppid}\n`); // the test runner's parent: alive
    expect(() => lockSqliteFile(file)).toThrow(StoreInUseError);
    expect(() => lockSqliteFile(file)).toThrow(new RegExp(`in use by another webhook-channel process \\(pid ${process.ppid}\\).*PostgreSQL`));
  });

  it('takes over a lock left by a process that died', () => {
    const file = join(dir, 'c.db');
    writeFileSync(`${file}.lock`, '2147483646\n'); // no such process
    lockSqliteFile(file).release();
    expect(existsSync(`${file}.lock`)).toBe(false);
  });
});
