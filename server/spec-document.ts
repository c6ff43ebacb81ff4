/** The OpenAPI document, read once: routing, validation, `/openapi.yaml`, `/docs` and the bot engine's message schemas all come from it. */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

// Both from server/ (tsx, tests) and from dist/server/ (compiled), the package root is found by its spec.
function packageFile(relative: string): string {
  for (const up of ['../', '../../']) {
    const path = fileURLToPath(new URL(up + relative, import.meta.url));
    if (existsSync(path)) return path;
  }
  return fileURLToPath(new URL('../' + relative, import.meta.url));
}

export const SPEC_FILE = packageFile('spec/openapi.yaml');
export const DOCS_FILE = packageFile('spec/docs/index.html');

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
