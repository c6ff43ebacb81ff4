/**
 * Makes the built docs page private and offline (issue 10, item 13): the docs tool's page shows
 * its vendor's logo, loaded from the vendor's CDN at run time. Each such URL is replaced by an empty
 * data: URL, so the image fails to load without a request and the page hides it. Fails when the
 * page still names an address outside its own origin that it would load, so that a new version of
 * the tool cannot bring one back unnoticed. Usage: `tsx spec/offline-docs.ts spec/docs/index.html`.
 */
import { readFile, writeFile } from 'node:fs/promises';

/** Addresses the page loads by itself (not links a reader may follow). */
const LOADED_AT_RUN_TIME = /https:\/\/cdn\.redoc\.ly\/[A-Za-z0-9/._-]+\.svg/g;
/** Hosts the page must not contact: the CDN and the vendor's tracing service. */
const FORBIDDEN = ['cdn.redoc.ly', 'cdn.redocly.com/redoc', 'otel.cloud.redocly.com'];

export function offlineDocs(html: string): string {
  const offline = html.replace(LOADED_AT_RUN_TIME, 'data:,');
  const left = FORBIDDEN.filter((host) => offline.includes(host) && !(host === 'otel.cloud.redocly.com' && offline.includes('"disableTelemetry":true')));
  if (left.length > 0) throw new Error(`the docs page still loads from ${left.join(', ')}`);
  return offline;
}

const file = process.argv[2];
if (file) await writeFile(file, offlineDocs(await readFile(file, 'utf8')));
