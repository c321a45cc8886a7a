import { existsSync } from 'node:fs';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import type { TestApp, TestAppOptions } from './test-app.js';
import { appSuite, suiteStarted } from './app-suite.js';
import type { HttpClient } from './http-client.js';

/**
 * Launches the system (Debian) Chromium headless. Playwright's own browser download is
 * not available here, so executablePath is always set. Browser tests must never be
 * skipped silently: a missing Chromium is an error.
 */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) {
    throw new Error(
      `Chromium not found at ${executablePath}. Browser tests need a system Chromium: ` +
        'install it with `sudo apt-get install chromium` (Debian/Ubuntu), ' +
        'or set CHROMIUM_PATH to an existing Chromium binary. Running `npm test` finds or installs it for you.',
    );
  }
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Collects the page's script errors and console errors (CSP violations among them); a test asserts it stays empty. */
export function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  return problems;
}

/**
 * The app and Chromium for one browser test file: started once before its tests, stopped after them.
 * `ready` runs once both are up (e.g. to slow the fake down so a running report is seen).
 */
export function browserSuite(options: TestAppOptions = {}, ready?: (app: TestApp) => void): { app: TestApp; browser: Browser } {
  const suite = { app: appSuite(options) } as { app: TestApp; browser: Browser };
  before(async () => {
    suite.browser = await launchBrowser();
    // Root hooks of one file may run side by side on Node 20: the app may still be starting.
    ready?.(await suiteStarted(suite.app));
  });
  after(async () => {
    await suite.browser?.close();
  });
  return suite;
}

/** A browser context signed in as `client`'s user: its session cookie, nothing else. */
export async function signedInContext(suite: { app: TestApp; browser: Browser }, client: HttpClient, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const context = await suite.browser.newContext(options);
  await context.addCookies([{ name: 'hash_report.sid', value: client.cookie('hash_report.sid') ?? '', url: suite.app.url }]);
  return context;
}
