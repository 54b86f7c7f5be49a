/** What a browser test starts: Chromium, then the whole of Pollster (test/support/stack.ts), and the console's URL. */
import type { Page } from 'playwright-core';
import { SECRETS } from '../support/pollster';
import { startStack, type Stack } from '../support/stack';
import { launchBrowser, type Browser, type BrowserOptions } from './browser';

export interface ConsoleStack extends Stack {
  browser: Browser;
  consoleUrl: string;
}

export async function startConsoleStack(options: BrowserOptions = {}): Promise<ConsoleStack> {
  // The browser first: without Chromium there is nothing to test, and the reason is the failure.
  const browser = await launchBrowser(options);
  const stack = await startStack().catch(async (err: unknown) => {
    await browser.close();
    throw err;
  });
  return {
    ...stack,
    browser,
    consoleUrl: stack.api.url.replace(/\/elements\/api-v2$/, '/console'),
    async stop() {
      await browser.close();
      await stack.stop();
    },
  };
}

/** Signs in with the test API's credentials and waits for the instance list. */
export async function signIn(page: Page, consoleUrl: string): Promise<void> {
  await page.goto(consoleUrl);
  await page.getByLabel('User secret').fill(SECRETS.userSecret);
  await page.getByLabel('Organization secret').fill(SECRETS.organizationSecret);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Instances' }).waitFor();
}
