/** The document lints clean and its docs build into one page that needs no network. */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const REDOCLY = 'node_modules/.bin/redocly';
const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('spec/openapi.yaml', () => {
  it('lints with no error and no warning on the recommended-strict ruleset', async () => {
    const { stdout, stderr } = await run(REDOCLY, ['lint', 'spec/openapi.yaml', '--format', 'json'], { maxBuffer: 16 * 1024 * 1024 });
    const report = JSON.parse(stdout.slice(stdout.indexOf('{')));
    expect(report.problems, stderr).toEqual([]);
  });

  it('builds into a self-contained HTML page that loads nothing from the network', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wc-docs-'));
    dirs.push(dir);
    const out = join(dir, 'index.html');
    await run(REDOCLY, ['build-docs', 'spec/openapi.yaml', '--inlineBundle', '-o', out]);
    const html = await readFile(out, 'utf8');
    expect(html).toContain('Webhook channel API');
    expect(html).toContain('botMessage');
    // No external scripts or stylesheets: the page must work offline.
    expect(html).not.toMatch(/<script[^>]+src=["']https?:/i);
    expect(html).not.toMatch(/<link[^>]+href=["']https?:[^>]+stylesheet/i);
  });
});
