/**
 * Writes dist/server/main.js as one bundled file (esbuild), over the file tsc wrote, so that
 * `npm start` loads one module instead of some 700: resolving, reading and linking them was
 * about 0.6 s of a 1.5 s cold start. The rest of dist/ stays as tsc wrote it (the token CLI,
 * the client, the mock). `npm run build` runs this after tsc; without it (tsc alone) the
 * unbundled dist/server/main.js runs the same code, only slower to start.
 *
 * better-sqlite3 stays outside: it loads a native addon by a path relative to its own package.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The bundle's first line, by which the bench tells it from tsc's unbundled main.js. */
export const BUNDLE_MARK = '// Bundled by server/bundle.ts (npm run build).';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** Bundles server/main.ts; answers the path written. */
export async function bundleServer(): Promise<string> {
  const outfile = here('../dist/server/main.js');
  await build({
    entryPoints: [here('./main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    // pg-native is pg's optional native driver, which this server never asks for.
    external: ['better-sqlite3', 'pg-native'],
    // CommonJS dependencies inside an ES module still call require() for Node's built-ins.
    banner: { js: `${BUNDLE_MARK}\nimport { createRequire as bundleCreateRequire } from 'node:module';\nconst require = bundleCreateRequire(import.meta.url);` },
    logLevel: 'warning',
  });
  return outfile;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await bundleServer();
