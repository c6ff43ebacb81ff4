#!/usr/bin/env node
/**
 * `npm run mock`: Prism serving the API from spec/openapi.yaml, on a host and port you choose.
 * The npm script used to pass `-p 4010` itself, so `npm run mock -- --port 4110` gave Prism two
 * ports and it refused to start; here the options are read once and handed to Prism.
 *
 *   npm run mock                                  # http://127.0.0.1:4010
 *   npm run mock -- --port 4110 --host 0.0.0.0    # any other option goes to Prism as it is
 */
import { spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SPEC_FILE } from '../contract/spec-file.js';

export const DEFAULT_MOCK_HOST = '127.0.0.1';
export const DEFAULT_MOCK_PORT = 4010;

/** Prism's arguments for ours: `--port`/`-p` and `--host`/`-h` once each, the rest passed on. */
export function prismArguments(argv: string[], spec = SPEC_FILE): string[] {
  const { values, tokens } = parseArgs({
    args: argv,
    strict: false,
    allowPositionals: true,
    tokens: true,
    options: { port: { type: 'string', short: 'p' }, host: { type: 'string', short: 'h' } },
  });
  const port = values.port === undefined ? DEFAULT_MOCK_PORT : Number(values.port);
  if (typeof values.port === 'boolean' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`--port must be a port number (got ${String(values.port)}).`);
  }
  if (typeof values.host === 'boolean' || values.host === '') throw new RangeError('--host needs a value (an address or a name).');
  const host = (values.host as string | undefined) ?? DEFAULT_MOCK_HOST;
  // Everything that is not our --port/--host goes to Prism unchanged, in order.
  const rest: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'option' && (token.name === 'port' || token.name === 'host')) continue;
    if (token.kind === 'option') rest.push(token.rawName, ...(token.value !== undefined && !token.inlineValue ? [token.value] : []));
    else if (token.kind === 'positional') rest.push(token.value);
    else rest.push('--');
  }
  return ['mock', spec, '-h', host, '-p', String(port), ...rest];
}

function main(): void {
  let args: string[];
  try {
    args = prismArguments(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\nUsage: npm run mock -- [--port ${DEFAULT_MOCK_PORT}] [--host ${DEFAULT_MOCK_HOST}] [other Prism options]`);
    process.exit(2);
  }
  const prism = createRequire(import.meta.url).resolve('@stoplight/prism-cli/dist/index.js');
  const child = spawn(process.execPath, [prism, ...args], { stdio: 'inherit' });
  // Prism is a child: Ctrl-C and a kill reach it too, so no mock is left running alone.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

function isEntryPoint(): boolean {
  try {
    return !!process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}
if (isEntryPoint()) main();
