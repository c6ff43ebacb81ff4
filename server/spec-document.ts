/** The OpenAPI document, read once: routing, validation, `/openapi.yaml`, `/docs` and the bot engine's message schemas all come from it. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { packageFile, SPEC_FILE } from '../contract/spec-file.js';

export { SPEC_FILE };
export const DOCS_FILE = packageFile('spec/docs/index.html');
/** The integration console, built by `npm run build` (console/build.ts). */
export const CONSOLE_FILE = packageFile('dist/console/index.html');
/** spec/openapi.yaml parsed at build time (spec/build-document.ts); absent before the first build. */
export const SPEC_SNAPSHOT_FILE = packageFile('dist/spec/openapi.json');

export interface SpecDocument {
  text: string;
  // The parsed document is only walked generically (paths, operations); its shape is OpenAPI's.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  document: any;
}

/** dist/spec/openapi.json: the parsed document and the SHA-256 (hex) of the YAML text it came from. */
export interface SpecSnapshot {
  sha256: string;
  document: unknown;
}

/** The hash that ties a snapshot to the exact text it was parsed from. */
export function specTextHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

let shipped: SpecDocument | undefined;

/**
 * The package's own document, parsed once per process however many parts ask for it: from the
 * build's snapshot when it was made from this very text (a few ms), else from the YAML (about
 * 250 ms).
 */
export function loadSpecDocument(): SpecDocument {
  if (!shipped) {
    const text = readFileSync(SPEC_FILE, 'utf8');
    shipped = { text, document: snapshotDocument(readSnapshot(), text) ?? parse(text) };
  }
  return shipped;
}

/** The document of a snapshot (its JSON), if it was parsed from exactly `text`; else undefined. */
export function snapshotDocument(snapshotJson: string | undefined, text: string): unknown {
  if (snapshotJson === undefined) return undefined;
  const snapshot = JSON.parse(snapshotJson) as SpecSnapshot;
  return snapshot.sha256 === specTextHash(text) ? snapshot.document : undefined;
}

function readSnapshot(): string | undefined {
  try {
    return readFileSync(SPEC_SNAPSHOT_FILE, 'utf8');
  } catch {
    return undefined; // not built (tests and `npm run dev` run the sources)
  }
}
