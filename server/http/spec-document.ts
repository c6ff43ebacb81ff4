/** The OpenAPI document, read once: routing, validation, `/openapi.yaml` and `/docs` all come from it. */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

// Both from server/http (tsx, tests) and from dist/server/http (compiled), the package root is found by its spec.
function packageFile(relative: string): string {
  for (const up of ['../../', '../../../']) {
    const path = fileURLToPath(new URL(up + relative, import.meta.url));
    if (existsSync(path)) return path;
  }
  return fileURLToPath(new URL('../../' + relative, import.meta.url));
}

export const SPEC_FILE = packageFile('spec/openapi.yaml');
export const DOCS_FILE = packageFile('spec/docs/index.html');

export interface SpecDocument {
  text: string;
  // The parsed document is only walked generically (paths, operations); its shape is OpenAPI's.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  document: any;
}

export function loadSpecDocument(file = SPEC_FILE): SpecDocument {
  const text = readFileSync(file, 'utf8');
  return { text, document: parse(text) };
}
