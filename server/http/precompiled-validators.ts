/**
 * The request validators compiled at build time (server/http/build-validators.ts writes
 * dist/server/request-validators.cjs): openapi-backend's validators for every operation, as
 * Ajv standalone code. Compiling them at start was the largest part of the cold start left
 * after bundling (about 0.3 s of CPU in the first second, node --cpu-prof), and loading
 * openapi-backend itself (lodash, a $ref parser, a YAML parser) another 0.1 s.
 *
 * The file is used only when it was compiled from the very spec being served (its SHA-256).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv';
import { packageFile } from '../../contract/spec-file.js';
import { specTextHash, type SpecDocument } from '../spec-document.js';

export const PRECOMPILED_VALIDATORS_FILE = packageFile('dist/server/request-validators.cjs');

/** What the file exports: the spec's hash, and each operation's validators in the order they run. */
export interface PrecompiledValidatorsModule {
  sha256: string;
  operations: Record<string, ValidateFunction[]>;
}

/** The validators by operation id, or undefined when there is no file or it belongs to another spec. */
export function loadPrecompiledValidators(spec: SpecDocument, file = PRECOMPILED_VALIDATORS_FILE): Map<string, ValidateFunction[]> | undefined {
  if (!existsSync(file)) return undefined;
  const loaded = createRequire(import.meta.url)(file) as PrecompiledValidatorsModule;
  if (loaded.sha256 !== specTextHash(spec.text)) return undefined;
  return new Map(Object.entries(loaded.operations));
}
