/**
 * The console in a real browser, as a newcomer uses it: sign in from the link's fragment, chat
 * with the demo bot, click a quick reply, watch a delivery reach `succeeded` without a reload,
 * open it and read its signed request, redeliver it, switch from their own webhook URL to the
 * built-in test receiver (asked first, naming the URL) and back, come back to the same
 * conversation in another tab. No request leaves the server but the bot's own media, nothing
 * fails, and the page logs no error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { buildConsole } from '../../console/build.js';
import { findChromium, launchChromium } from '../support/browser.js';
import { startTestServer, TEST_TOKEN, type TestServer } from '../support/server.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const chromium = findChromium();
if (!chromium.found) console.warn(`\n*** Console browser tests SKIPPED: ${chromium.reason}.\n`);

describe.skipIf(!chromium.found)('the console in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  /** The user's own receiver, which the test receiver must not replace without asking. */
  let own: WebhookReceiver;
  const consoleErrors: string[] = [];
  const failedOwnRequests: string[] = [];
  const outsideRequests: string[] = [];

  beforeAll(async () => {
    // The page as the sources in the repository make it now.
    await buildConsole();
    own = await startWebhookReceiver({ verifyToken: 'console-verify-token' });
    // 127.0.0.1 only for the user's own receiver; the built-in test receiver needs no allowed host.
    server = await startTestServer({ WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' });
    browser = await launchChromium((chromium as { path: string }).path);
    // A context of its own (a browser profile): a second tab in it shares localStorage, not sessionStorage.
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    page = await context.newPage();
    const origin = new URL(server.url).origin;
    // Nothing may leave the server but the bot's media (its images), in any tab; those are answered "not found" here.
    await context.route(
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
    await own?.close();
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

  it('saves your own webhook URL, which then gets the bot messages kept so far', async () => {
    await page.getByRole('textbox', { name: 'Webhook URL' }).fill(own.url);
    await page.getByRole('textbox', { name: 'Verify token' }).fill('console-verify-token');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('.channel-status').getByText(own.url).waitFor();
    await own.waitForCount(1, 30_000);
  });

  // A newcomer's finding: the button quietly replaced the URL they had configured.
  it('asks before the test receiver replaces your URL, naming it; Cancel keeps it', async () => {
    await page.getByRole('button', { name: 'Use the built-in test receiver' }).click();
    const question = page.getByRole('alertdialog', { name: 'Replace your webhook URL?' });
    await question.waitFor();
    await expect(question.innerText()).resolves.toContain(`instead of ${own.url}: that URL gets no bot messages until you switch back`);
    await question.getByRole('button', { name: 'Cancel' }).click();
    await question.waitFor({ state: 'detached' });
    await expect(page.locator('.channel-status code').innerText()).resolves.toBe(own.url);
  });

  it('points the channel at the built-in test receiver once confirmed, says which URL it replaced, and its inbox shows verified webhooks', async () => {
    await page.getByRole('button', { name: 'Use the built-in test receiver' }).click();
    await page.getByRole('button', { name: 'Switch to the test receiver' }).click();
    await page.locator('.channel-status').getByText('http://test-receiver.internal/', { exact: false }).waitFor();
    await page.getByText('active', { exact: true }).first().waitFor();
    // The panel is redrawn once the switch is saved, a moment after the status shows it: wait for it.
    await page.getByRole('button', { name: `Back to ${own.url}` }).waitFor();
    await expect(page.locator('.receiver-switch').innerText()).resolves.toContain(`Deliveries go to the built-in test receiver instead of ${own.url}`);
    await page.getByRole('textbox', { name: 'Message' }).fill('hi');
    await page.keyboard.press('Enter');
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

  it('goes back to your own URL in one click, and your receiver gets the next bot messages', async () => {
    const before = own.received.length;
    await page.getByRole('button', { name: `Back to ${own.url}` }).click();
    await page.locator('.channel-status').getByText(own.url).waitFor();
    await page.getByRole('button', { name: 'Use the built-in test receiver' }).waitFor();
    await page.getByRole('textbox', { name: 'Message' }).fill('menu');
    await page.keyboard.press('Enter');
    await own.waitForCount(before + 1, 30_000);
  });

  it('comes back to the same conversation in another tab: one sender per browser and bot, and the chat so far', async () => {
    const sender = await page.locator('.chat code').first().innerText();
    expect(sender).toMatch(/^console-/);
    const tab = await page.context().newPage();
    try {
      await tab.goto(`${server.url}/console`);
      await tab.getByLabel('Token').fill(TEST_TOKEN);
      await tab.getByRole('button', { name: 'Sign in' }).click();
      await tab.getByRole('heading', { name: 'Chat' }).waitFor();
      await expect(tab.locator('.chat code').first().innerText()).resolves.toBe(sender);
      await tab.locator('.transcript .bubble.user').getByText('menu', { exact: true }).first().waitFor();
    } finally {
      await tab.close();
    }
  });

  it('made no request outside the server but the bot\'s media, none of its own failed, and logged no error', async () => {
    expect(outsideRequests.every((url) => url.startsWith('https://cdn.example.com/'))).toBe(true);
    expect(failedOwnRequests).toEqual([]);
    expect(consoleErrors).toEqual([]);
    if (process.env.CONSOLE_SCREENSHOT) await page.screenshot({ path: process.env.CONSOLE_SCREENSHOT });
  });
});
