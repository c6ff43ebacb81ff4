/**
 * The engine's validators `npm run build` compiles ahead of time (server/bot/build-spec-schemas.ts)
 * must judge exactly as those compiled at run time: the same verdicts and the same Ajv errors
 * (the bot-definition errors and the length limits are made from them).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderPrecompiledSpecSchemas } from '../../server/bot/build-spec-schemas.js';
import { loadPrecompiledSpecSchemas, specAjv, specSchemas } from '../../server/bot/spec-schemas.js';
import { loadSpecDocument } from '../../server/spec-document.js';

// Inside the package, so that the module's require() calls find Ajv in node_modules.
const dir = join(import.meta.dirname, '../../.cache', `spec-schemas-${randomUUID()}`);
const file = join(dir, 'spec-schemas.cjs');
let atBuild: Record<string, ValidateFunction>;
let now: Record<string, ValidateFunction>;

beforeAll(() => {
  const spec = loadSpecDocument();
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, renderPrecompiledSpecSchemas(spec));
  atBuild = loadPrecompiledSpecSchemas(spec, file)!;
  const ajv = specAjv(spec.document);
  now = Object.fromEntries(Object.entries(specSchemas(spec.document)).map(([name, schema]) => [name, ajv.compile(schema)]));
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const long = 'x'.repeat(5000);
/** [name, value, whether it passes] */
const cases: Array<[string, unknown, boolean]> = [
  ['botMessage', { type: 'text', text: 'hi' }, true],
  ['botMessage', { type: 'txt', text: 'hi' }, false],
  ['botMessage', { text: 'hi' }, false],
  ['botMessage', { type: 'buttons', attachment: { type: 'template', payload: { template_type: 'button', text: 'pick' } } }, false],
  ['branch-text', { type: 'text', text: long }, false],
  ['botId', 'demo', true],
  ['botId', 'not a bot id', false],
  ['definition', { intro: 'start', fallback: 'start', states: { start: { messages: [{ type: 'text', text: 'hi' }] } } }, true],
  ['definition', { intro: 'start', states: {}, colour: 'red' }, false],
];

describe('spec schemas compiled at build time', () => {
  it('cover every schema the engine uses', () => {
    expect(Object.keys(atBuild).sort()).toEqual(Object.keys(now).sort());
  });

  it.each(cases)('judge %s %j as those compiled at run time', (name, value, passes) => {
    const verdict = (validate: ValidateFunction) => [validate(structuredClone(value)), JSON.parse(JSON.stringify(validate.errors ?? null))];
    const [valid, errors] = verdict(atBuild[name]!);
    expect(valid).toBe(passes);
    expect([valid, errors]).toEqual(verdict(now[name]!));
  });

  it('are not used for another spec', () => {
    const spec = loadSpecDocument();
    expect(loadPrecompiledSpecSchemas({ ...spec, text: `${spec.text}\n# edited` }, file)).toBeUndefined();
  });
});
