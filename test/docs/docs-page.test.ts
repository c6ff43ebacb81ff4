/**
 * The docs page in a real browser (issue 10, item 13): Debian's Chromium, driven by
 * playwright-core, loads GET /docs from a test server, lets every timer of the page run for a
 * minute of page time (Playwright's clock, so no real sleep), then leaves the page, which is when
 * usage telemetry used to be sent. No request may leave the server's origin, and the send operation
 * shows no empty "Callbacks" heading. CI installs Chromium (.ci/run); elsewhere the test is skipped
 * when no Chromium is found.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { waitFor } from '../support/wait-for.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available && process.env.CI) throw new Error(`CI runs the docs page in Chromium, but there is none at ${CHROMIUM} (.ci/run installs it)`);

describe.skipIf(!available)('the docs page', () => {
  let server: TestServer;
  let browser: Browser;
  beforeAll(async () => {
    server = await startTestServer({}, { startDelivery: false });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('makes no request outside its own origin, while open and when left, and lists no empty Callbacks', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const requested: string[] = [];
    // Every request of the context, service workers and beacons included, is seen here first.
    await context.route('**/*', (route) => {
      requested.push(route.request().url());
      return new URL(route.request().url()).origin === server.url ? route.continue() : route.abort();
    });
    context.on('request', (request) => requested.push(request.url()));
    await page.clock.install();

    // Opened at the send operation, whose callbacks were listed under an empty heading.
    const response = await page.goto(`${server.url}/docs#/messages/sendmessage`, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    // The page's timers run only when the clock is moved: a second at a time until it has rendered,
    // then a minute more (telemetry was sent a few seconds after load), then the page is left.
    await waitFor(async () => {
      await page.clock.runFor(1_000);
      return (await page.getByText('Idempotency-Key').count()) > 0;
    }, { timeoutMs: 90_000, intervalMs: 100, what: 'the send operation to render' });
    await page.clock.runFor(60_000);
    expect(await page.getByText('Callbacks', { exact: true }).count()).toBe(0);
    await page.goto('about:blank');
    await waitFor(async () => page.url() === 'about:blank');
    await context.close();

    expect(requested.length).toBeGreaterThan(0);
    expect(requested.filter((url) => new URL(url).origin !== server.url && !url.startsWith('about:') && !url.startsWith('data:') && !url.startsWith('blob:'))).toEqual([]);
  }, 180_000); // rendering the whole spec in Chromium takes long on a busy two-core machine
});
