/**
 * Builds the console into one self-contained page, `dist/console/index.html`: the TypeScript
 * bundled and minified by esbuild, the stylesheet and the script inline, so the page loads
 * nothing but itself and talks to the server that served it. `npm run build` runs it.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** Bundles and writes the page; answers its path. */
export async function buildConsole(): Promise<string> {
  const bundle = await build({
    entryPoints: [here('./main.ts')],
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['chrome120', 'firefox120', 'safari17'],
    platform: 'browser',
    write: false,
    legalComments: 'none',
  });
  const script = bundle.outputFiles[0]!.text.replace(/<\/script/gi, '<\\/script');
  const style = await readFile(here('./styles.css'), 'utf8');
  const template = await readFile(here('./index.html'), 'utf8');
  // The page's own policy allows exactly its two inline blocks, by hash; the server's header adds the rest.
  const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
  const policy = `script-src ${hash(script)}; style-src ${hash(style)}`;
  const html = template
    .replace('<!--CSP-->', () => `<meta http-equiv="Content-Security-Policy" content="${policy}">`)
    .replace('/*STYLE*/', () => style)
    .replace('/*SCRIPT*/', () => script);
  await mkdir(here('../dist/console'), { recursive: true });
  // Written whole, then renamed: a server reading the page meanwhile never sees half of it.
  const target = here('../dist/console/index.html');
  await writeFile(`${target}.${process.pid}.tmp`, html);
  await rename(`${target}.${process.pid}.tmp`, target);
  return `dist/console/index.html (${Math.round(html.length / 1024)} KiB)`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(`wrote ${await buildConsole()}`);
