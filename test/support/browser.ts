/**
 * A real headless browser for tests: Debian's Chromium driven by playwright-core (which never
 * downloads a browser of its own). Where Chromium is missing the browser tests are skipped with a
 * message, except in CI, which installs it (.ci/run) and must run them.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean) as string[];

export function findChromium(): { found: true; path: string } | { found: false; reason: string } {
  const path = CANDIDATES.find((p) => existsSync(p));
  if (path) return { found: true, path };
  const reason = `no Chromium at ${CANDIDATES.join(', ')} (apt-get install chromium, or set CHROMIUM_PATH)`;
  if (process.env.CI === 'true') throw new Error(`CI must run the browser tests: ${reason}`);
  return { found: false, reason };
}

export async function launchChromium(path: string): Promise<Browser> {
  return chromium.launch({
    executablePath: path,
    // Root in CI needs --no-sandbox; the rest keeps Chromium from calling out to the network.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}
