/**
 * The mock and the receiver kit compiled with tsc, run by plain Node (no TypeScript loader), the
 * way `npm run build` ships them: the spec is found from dist/mock/, the kit's imports resolve.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exited, waitForLine } from '../support/child-output.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SECRET = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';

function runNode(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

describe('the compiled mock on plain Node', () => {
  let dir: string;
  let receiver: ChildProcess | undefined;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'webhook-channel-compiled-'));
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: join(ROOT, 'tsconfig.build.json'),
        compilerOptions: { outDir: join(dir, 'dist'), rootDir: ROOT, declaration: false, sourceMap: false, typeRoots: [join(ROOT, 'node_modules/@types')] },
        include: ['spec/generated/**/*.ts', 'client/**/*.ts', 'mock/**/*.ts'].map((glob) => join(ROOT, glob)),
      }),
    );
    const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')], { encoding: 'utf8' });
    if (tsc.status !== 0) throw new Error(`tsc failed:\n${tsc.stdout}${tsc.stderr}`);
    // The package as installed: package.json (ESM), the spec beside dist/, its dependencies.
    cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    mkdirSync(join(dir, 'spec'));
    cpSync(join(ROOT, 'spec/openapi.yaml'), join(dir, 'spec/openapi.yaml'));
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    mkdirSync(join(dir, 'bin'));
    symlinkSync(join(dir, 'dist/mock/webhook-cli.js'), join(dir, 'bin/webhook-channel-mock'));
  });

  afterAll(async () => {
    if (receiver) {
      receiver.kill('SIGTERM');
      await exited(receiver);
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lists the spec examples when started through its bin link', async () => {
    const { code, stdout, stderr } = await runNode([join(dir, 'bin/webhook-channel-mock'), '--list'], dir);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^carousel\s+carousel \(Carousel\)$/m);
  });

  it('delivers every message type to the compiled example receiver, which verifies each', async () => {
    receiver = spawn(process.execPath, [join(dir, 'dist/mock/example-receiver.js'), '--port', '0', '--secret', SECRET], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const [, url] = await waitForLine(receiver, /Receiving at (http:\/\/127\.0\.0\.1:\d+\/webhook)/, 30_000);
    const verified = waitForLine(receiver, /✓ media #6 /, 30_000);
    const { code, stdout } = await runNode([join(dir, 'dist/mock/webhook-cli.js'), '--url', url!, '--secret', SECRET, '--handshake'], dir);
    expect(code, stdout).toBe(0);
    expect(stdout).toContain('6 accepted, 0 refused as expected, 0 unexpected.');
    await verified;
  });
});
