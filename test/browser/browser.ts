/**
 * Headless Chromium from Debian, driven by playwright-core (which downloads no browser of its own).
 * Launched as this machine needs it: no sandbox (root), no GPU, no background networking (the closed
 * network refuses Chromium's own connections), a fresh profile each time.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { REPO_ROOT } from '../support/processes';

export const CHROMIUM = process.env.POLLSTER_CHROMIUM || '/usr/bin/chromium';
export const OUTPUT_DIR = join(REPO_ROOT, 'test-output');

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Every URL the browser requested, in order. */
  requests: string[];
  /** Console errors and uncaught page errors. */
  pageErrors: string[];
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export interface BrowserOptions {
  /** The browser's time zone (IANA id); the machine's by default. */
  timezoneId?: string;
}

export async function launchBrowser(options: BrowserOptions = {}): Promise<Browser> {
  // A missing browser is a failure with its reason, never a silent skip.
  if (!existsSync(CHROMIUM)) {
    throw new Error(`browser tests need Debian's chromium at ${CHROMIUM}; npm test installs it through scripts/setup.sh (apt-get install -y chromium, as root), which could not run here`);
  }
  const profile = mkdtempSync(join(tmpdir(), 'pollster-chromium-'));
  let context: BrowserContext;
  try {
    // A persistent context is how playwright takes a --user-data-dir: a new, empty one per launch.
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      viewport: { width: 1366, height: 900 },
      timezoneId: options.timezoneId,
      timeout: 60_000,
    });
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw new Error(`chromium at ${CHROMIUM} did not start: ${(err as Error).message.split('\n')[0]}`);
  }
  const requests: string[] = [];
  const pageErrors: string[] = [];
  context.on('request', (r) => requests.push(r.url()));
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(30_000);
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(m.text());
  });
  mkdirSync(OUTPUT_DIR, { recursive: true });
  return {
    context,
    page,
    requests,
    pageErrors,
    async screenshot(name) {
      const path = join(OUTPUT_DIR, name);
      // From the top: a full-page shot draws a sticky header where the page is scrolled to, over the content.
      await page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Retries `check` (which may act on the page, e.g. click Refresh) until it returns true. */
export async function until(check: () => Promise<boolean>, what: string, timeoutMs = 30_000, everyMs = 500): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
