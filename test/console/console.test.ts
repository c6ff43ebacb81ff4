/**
 * The console in a real browser, as a newcomer uses it: sign in from the link's fragment, chat
 * with the demo bot, click a quick reply, watch a delivery reach `succeeded` without a reload,
 * open it and read its signed request, redeliver it, use the built-in test receiver. No request
 * leaves the server but the bot's own media, nothing fails, and the page logs no error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { buildConsole } from '../../console/build.js';
import { findChromium, launchChromium } from '../support/browser.js';
import { startTestServer, TEST_TOKEN, type TestServer } from '../support/server.js';

const chromium = findChromium();
if (!chromium.found) console.warn(`\n*** Console browser tests SKIPPED: ${chromium.reason}.\n`);

describe.skipIf(!chromium.found)('the console in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];
  const failedOwnRequests: string[] = [];
  const outsideRequests: string[] = [];

  beforeAll(async () => {
    // The page as the sources in the repository make it now.
    await buildConsole();
    server = await startTestServer({ WEBHOOK_ALLOWED_HOSTS: '' });
    browser = await launchChromium((chromium as { path: string }).path);
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const origin = new URL(server.url).origin;
    // Nothing may leave the server but the bot's media (its images); those are answered "not found" here.
    await page.route(
      (url) => url.origin !== origin,
      (route) => {
        outsideRequests.push(route.request().url());
        return route.fulfill({ status: 404, body: '' });
      },
    );
    page.on('console', (message) => {
      // The browser itself reports a missing bot image as a console error: not the page's doing.
      if (message.type() === 'error' && !/Failed to load resource: the server responded with a status of 404/.test(message.text())) consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(`uncaught: ${error.message}`));
    page.on('requestfailed', (request) => {
      if (request.url().startsWith(origin)) failedOwnRequests.push(`${request.url()} ${request.failure()?.errorText}`);
    });
    page.on('response', (response) => {
      if (response.url().startsWith(origin) && response.status() >= 400) failedOwnRequests.push(`${response.status()} ${response.url()}`);
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('signs in from the fragment, which never reaches the server, and leaves no token in the address bar', async () => {
    await page.goto(`${server.url}/console#bot=demo&token=${TEST_TOKEN}`);
    await page.getByRole('heading', { name: 'Chat' }).waitFor();
    expect(page.url()).toBe(`${server.url}/console`);
    await expect(page.getByRole('textbox', { name: 'Message' }).isVisible()).resolves.toBe(true);
  });

  it('shows the bot\'s answers to "hi" live, with quick replies as buttons named by their titles', async () => {
    await page.getByRole('textbox', { name: 'Message' }).fill('hi');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Quick replies', exact: true }).first().waitFor();
    await page.getByText("What would you like to see?").first().waitFor();
  });

  it('sends a quick reply\'s postback when it is clicked, and shows the answer', async () => {
    await page.getByRole('button', { name: 'Carousel', exact: true }).first().click();
    await page.getByRole('heading', { name: 'Classic T-shirt' }).waitFor();
    await page.getByRole('button', { name: 'Buy' }).first().waitFor();
  });

  it('points the channel at the built-in test receiver in one click, and its inbox shows verified webhooks', async () => {
    await page.getByRole('button', { name: 'Use the built-in test receiver' }).click();
    await page.getByText('active', { exact: true }).first().waitFor();
    await page.locator('.inbox').getByText('verified', { exact: true }).first().waitFor({ timeout: 30_000 });
  });

  it('lists each delivery live, up to succeeded, without a reload', async () => {
    const firstRow = page.locator('table.deliveries tbody tr').first();
    await firstRow.getByText('succeeded', { exact: true }).waitFor({ timeout: 30_000 });
    await page.getByRole('textbox', { name: 'Message' }).fill('hi');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    // The new turn's deliveries appear and succeed in the list as they happen.
    await page.waitForFunction(() => document.querySelectorAll('table.deliveries tbody tr .status.succeeded').length >= 6, undefined, { timeout: 30_000 });
  });

  it('opens a delivery with its attempts and its signed request, and redelivers it', async () => {
    await page.locator('table.deliveries tbody tr').first().getByRole('button', { name: /^Open delivery/ }).click();
    const request = page.getByLabel('Request');
    await request.waitFor();
    const text = await request.innerText();
    expect(text).toMatch(/^POST http:\/\/test-receiver\.internal\/bots\/demo/);
    expect(text).toMatch(/webhook-id: msg_/);
    expect(text).toMatch(/webhook-timestamp: \d+/);
    expect(text).toMatch(/webhook-signature: v1,[A-Za-z0-9+/=]+/);
    await page.getByRole('button', { name: 'Redeliver' }).click();
    // A second attempt appears in the opened delivery, live.
    await page.locator('.delivery-detail table.attempts tbody tr').nth(1).waitFor({ timeout: 30_000 });
  });

  it('reveals and rotates the signing secret, showing each replaced secret\'s grace', async () => {
    await page.getByRole('button', { name: 'Reveal' }).click();
    await expect(page.locator('.secret-value').innerText()).resolves.toMatch(/^whsec_[A-Za-z0-9+/=]+$/);
    await page.getByRole('button', { name: 'Rotate' }).click();
    await page.getByText(/The previous secret also signs until/).waitFor();
    // A second rotation inside the grace period: the first replaced secret still signs too.
    await page.getByRole('button', { name: 'Rotate' }).click();
    await page.getByText(/An earlier secret also signs until/).waitFor();
  });

  it('made no request outside the server but the bot\'s media, none of its own failed, and logged no error', async () => {
    expect(outsideRequests.every((url) => url.startsWith('https://cdn.example.com/'))).toBe(true);
    expect(failedOwnRequests).toEqual([]);
    expect(consoleErrors).toEqual([]);
    if (process.env.CONSOLE_SCREENSHOT) await page.screenshot({ path: process.env.CONSOLE_SCREENSHOT });
  });
});
