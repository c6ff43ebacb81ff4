import { readFile } from 'node:fs/promises';
import type { Registry } from 'prom-client';
import type { components } from '../../../spec/generated/api.js';
import { Problem } from '../../problem.js';
import type { HandlerGroup } from '../handler.js';
import { CONSOLE_FILE, DOCS_FILE, type SpecDocument } from '../../spec-document.js';

type OperationsOperation = 'getRoot' | 'getHealth' | 'getReadiness' | 'getMetrics' | 'getOpenApiDocument' | 'getDocs' | 'getConsole';

/** A readiness check's state, as the spec enumerates them. */
export type CheckState = components['schemas']['Readiness']['checks'][string];

/** What the docs page may load: its own origin only (and the data: and blob: URLs it makes itself). */
export const DOCS_CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export interface Readiness {
  /** Each check's state: `ok` when it can serve. */
  checks(): Promise<Record<string, CheckState>>;
}

export function operationsHandlers(deps: { registry: Registry; readiness: Readiness; spec: SpecDocument; docsFile?: string; consoleFile?: string }): HandlerGroup<OperationsOperation> {
  return {
    async getRoot() {
      // A first visitor is most likely a person with a browser: the console, which links to the docs.
      return { status: 302, headers: { location: '/console' } };
    },
    async getHealth() {
      return { status: 200, body: { status: 'ok' } };
    },
    async getReadiness() {
      const checks = await deps.readiness.checks();
      return Object.values(checks).every((state) => state === 'ok')
        ? { status: 200, body: { status: 'ready', checks } }
        : { status: 503, body: { status: 'unavailable', checks } };
    },
    async getMetrics() {
      return { status: 200, body: await deps.registry.metrics(), contentType: deps.registry.contentType };
    },
    async getOpenApiDocument() {
      return { status: 200, body: deps.spec.text, contentType: 'application/yaml; charset=utf-8' };
    },
    async getDocs() {
      const html = await readFile(deps.docsFile ?? DOCS_FILE, 'utf8').catch(() => undefined);
      if (html === undefined) throw Problem.notFound('The docs are not built: run `npm run docs`.');
      // The page is self-contained (--inlineBundle, telemetry off in redocly.yaml); the policy makes
      // sure that nothing it still tries, such as the docs tool's logo from its CDN, leaves this origin.
      return { status: 200, body: html, contentType: 'text/html; charset=utf-8', headers: { 'content-security-policy': DOCS_CONTENT_SECURITY_POLICY } };
    },
    async getConsole() {
      const html = await readFile(deps.consoleFile ?? CONSOLE_FILE, 'utf8').catch(() => undefined);
      if (html === undefined) throw Problem.notFound('The console is not built: run `npm run build`.');
      // Everything the page needs is inline; it talks to this server only, and the token never leaves the fragment.
      return {
        status: 200,
        body: html,
        contentType: 'text/html; charset=utf-8',
        headers: {
          'content-security-policy': "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'unsafe-inline'; img-src * data:; media-src *; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
          'referrer-policy': 'no-referrer',
          'cache-control': 'no-cache',
        },
      };
    },
  };
}
