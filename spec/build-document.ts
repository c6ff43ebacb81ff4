/**
 * Writes dist/spec/openapi.json: spec/openapi.yaml parsed once at build time, with the SHA-256 of
 * the text it was parsed from. Parsing the YAML was a sixth of the server's cold start (about
 * 250 ms of ~1.5 s CPU); JSON.parse of the same document takes a few milliseconds. The server
 * uses the snapshot only while its hash matches the YAML beside it (server/spec-document.ts),
 * so an edited spec is never served from a stale snapshot. `npm run build` runs this.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { SPEC_FILE } from '../contract/spec-file.js';
import { SPEC_SNAPSHOT_FILE, specTextHash, type SpecSnapshot } from '../server/spec-document.js';

/** The snapshot of `text` (the YAML of an OpenAPI document), as JSON. */
export function renderSpecSnapshot(text: string): string {
  const snapshot: SpecSnapshot = { sha256: specTextHash(text), document: parse(text) };
  return JSON.stringify(snapshot);
}

/** Writes the snapshot of the package's spec/openapi.yaml; answers its path. */
export async function buildSpecSnapshot(): Promise<string> {
  await mkdir(dirname(SPEC_SNAPSHOT_FILE), { recursive: true });
  await writeFile(SPEC_SNAPSHOT_FILE, renderSpecSnapshot(await readFile(SPEC_FILE, 'utf8')));
  return SPEC_SNAPSHOT_FILE;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await buildSpecSnapshot();
