/** The OpenAPI document, read once: routing, validation, `/openapi.yaml`, `/docs` and the bot engine's message schemas all come from it. */
import { readFileSync } from 'node:fs';
import { packageFile, SPEC_FILE } from '../contract/spec-file.js';
import { parse } from 'yaml';

export { SPEC_FILE };
export const DOCS_FILE = packageFile('spec/docs/index.html');
/** The integration console, built by `npm run build` (console/build.ts). */
export const CONSOLE_FILE = packageFile('dist/console/index.html');

export interface SpecDocument {
  text: string;
  // The parsed document is only walked generically (paths, operations); its shape is OpenAPI's.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  document: any;
}

let shipped: SpecDocument | undefined;

/** The package's own document, parsed once per process however many parts ask for it. */
export function loadSpecDocument(): SpecDocument {
  if (!shipped) {
    const text = readFileSync(SPEC_FILE, 'utf8');
    shipped = { text, document: parse(text) };
  }
  return shipped;
}
