/**
 * Where the package's own files are, from the sources (`contract/`, run by tsx and vitest) and
 * from the compiled code (`dist/contract/`) alike: the package root is the nearest folder above
 * that holds the file. Server, mock and tests find spec/openapi.yaml through this one place.
 * (Node-only; the client and the receiver kit never import it.)
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The absolute path of `relative` (from the package root), or the path where it would be from
 * the sources when it exists nowhere (so the caller's error names a sensible path).
 *
 * @example packageFile('spec/docs/index.html')
 */
export function packageFile(relative: string): string {
  for (const up of ['../', '../../']) {
    const path = fileURLToPath(new URL(up + relative, import.meta.url));
    if (existsSync(path)) return path;
  }
  return fileURLToPath(new URL(`../${relative}`, import.meta.url));
}

/** The OpenAPI document, spec/openapi.yaml: the single source of the contract. */
export const SPEC_FILE = packageFile('spec/openapi.yaml');
