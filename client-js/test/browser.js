// Debian's Chromium driven by playwright-core: no browser download, no network beyond loopback.

import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// Keep Chromium off the network: no background requests to Google's hosts, no QUIC, no updates.
const ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** A headless Chromium; each browser.newContext() is a separate device with a fresh profile. */
export function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
}

/**
 * Opens the demo in a new page and waits until its client is connected and its list loaded.
 * Page errors and console errors are collected in page.problems.
 */
export async function openDemo(context, url) {
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (err) => page.problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') page.problems.push(`console: ${msg.text()}`);
  });
  await page.goto(url);
  await page.waitForFunction(() => window.livesync?.client.connectionState === 'connected', null, { timeout: 20_000 });
  return page;
}
