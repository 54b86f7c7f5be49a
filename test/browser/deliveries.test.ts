/**
 * The console's deliveries, in headless Chromium against a real API, worker and dev server (its retries 40 s, 160 s …
 * apart, so only retry now can deliver sooner): a failed notification retrying, the one behind it saying so, retry now
 * from its row once the receiver is back; the delivered list with payloads, first-time deliveries included; and retry
 * now from the instance page's notifications. Screenshots in test-output/.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Page } from 'playwright-core';
import type { DeliveryView } from '../../contract/delivery';
import { startHttpProvider, type HttpProvider } from '../fakes/httpProvider';
import { startReceiver, type Receiver } from '../fakes/receiver';
import { startApi, startWorker, type RunningApi, type RunningWorker } from '../support/pollster';
import { startTemporal } from '../support/temporal';
import { launchBrowser, until, type Browser } from './browser';
import { signIn as signInAt } from './consoleStack';

const FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";

describe('console: deliveries', () => {
  let env: TestWorkflowEnvironment;
  let worker: RunningWorker;
  let api: RunningApi;
  let provider: HttpProvider;
  let hook: Receiver;
  let browser: Browser;
  let consoleUrl: string;
  let instanceId: number;

  before(async () => {
    browser = await launchBrowser();
    env = await startTemporal();
    worker = await startWorker(env, undefined, { ...process.env, POLLSTER_RETRY_SCALE: '10' });
    api = await startApi(env);
    provider = await startHttpProvider();
    hook = await startReceiver();
    consoleUrl = api.url.replace(/\/elements\/api-v2$/, '/console');
    const created = await api.request('POST', '/instances', {
      element: { key: 'http' },
      name: 'console deliveries',
      configuration: {
        'base.url': provider.url,
        'event.notification.enabled': true,
        'event.notification.callback.url': hook.url,
        'event.poller.refresh_interval': '30',
        'event.poller.configuration': {
          contacts: {
            url: `/contacts?updatedSince=\${gmtDate:${FORMAT}}`,
            idField: 'id',
            datesConfiguration: { updatedDateField: 'updatedAt', updatedDateFormat: FORMAT, createdDateField: 'createdAt', createdDateFormat: FORMAT },
          },
        },
      },
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    instanceId = created.body.id;
  });

  after(async () => {
    await browser?.close();
    await api?.close();
    await worker?.stop();
    await provider?.close();
    await hook?.close();
    await env?.teardown();
  });

  const signIn = (page: Page): Promise<void> => signInAt(page, consoleUrl);

  /** A change at the provider and a poll now: its notification goes out at once. */
  async function change(name: string): Promise<void> {
    provider.create(name);
    await api.request('POST', `/instances/${instanceId}/events/poll`);
  }

  const pendingViews = async (): Promise<DeliveryView[]> =>
    (await api.request('GET', `/notifications/subscriptions/deliveries?where=${encodeURIComponent(`status='retry' and config.url='${hook.url}'`)}`)).body;

  test('retrying, the one behind it, retry now from its row; then the delivered list with payloads', async () => {
    const { page } = browser;
    await signIn(page);
    hook.respondWith(503);
    await change('Grace Hopper');
    await until(async () => (await pendingViews()).some((d) => d.nextAttemptAt !== undefined), 'a notification waiting for its retry', 60_000);
    await change('Barbara Liskov');
    await until(async () => (await pendingViews()).length === 2, 'a second one behind it', 60_000);

    await page.getByRole('navigation').getByRole('link', { name: 'Deliveries' }).click();
    await page.getByRole('heading', { level: 1, name: 'Deliveries' }).waitFor();
    const group = page.locator(`section[data-url="${hook.url}"]`);
    const rows = group.locator('tbody tr');
    await until(async () => {
      if ((await rows.count()) === 2) return true;
      await page.getByRole('button', { name: 'Refresh' }).click();
      return false;
    }, 'both rows');
    const [head, behind] = await pendingViews();
    const headRow = group.locator(`tr[data-delivery-id="${head!.id}"]`);
    assert.match(await headRow.innerText(), /callback answered 503/);
    assert.match(await group.locator(`tr[data-delivery-id="${behind!.id}"]`).innerText(), new RegExp(`behind ${head!.id.slice(0, 12)}`), 'the second says what it waits behind');
    await group.getByRole('button', { name: `Retry 2 pending to ${hook.url} now` }).waitFor();
    await browser.screenshot('deliveries-1-retrying.png');

    hook.respondWith(200);
    await headRow.getByRole('button', { name: `Retry notification ${head!.id} now` }).click();
    await page.getByText(/Retrying notification .* now\./).waitFor();
    await hook.waitFor((r) => r.received.length >= 2, 20_000);
    assert.deepEqual(hook.received.map((r) => r.body.id), [head!.id, behind!.id], 'at once, in order');
    assert.ok(hook.received[0]!.at < Date.parse(head!.nextAttemptAt!), 'before its scheduled retry');

    // A first-time delivery, then the delivered list: all three, with their payloads.
    await change('Frances Allen');
    await hook.waitFor((r) => r.received.length >= 3, 20_000);
    await page.getByLabel('Status', { exact: true }).selectOption('delivered');
    await until(async () => {
      if ((await group.locator('tr[data-status="delivered"]').count()) >= 3) return true;
      await page.getByRole('button', { name: 'Refresh' }).click();
      return false;
    }, 'three delivered rows', 20_000, 1000);
    const first = group.locator('tr[data-status="delivered"]', { hasText: 'console deliveries' }).first();
    await first.locator('details summary').click();
    await group.getByText('Frances Allen').first().waitFor();
    assert.equal(await group.getByRole('button', { name: /Retry notification/ }).count(), 0, 'nothing delivered is retried');
    await browser.screenshot('deliveries-2-delivered-with-payloads.png');
    assert.deepEqual(browser.pageErrors, [], 'no script errors');
  });

  test("retry now from the instance page's notifications", async () => {
    const { page } = browser;
    hook.respondWith(503);
    const before = hook.received.length;
    await change('Jean Sammet');
    await until(async () => (await pendingViews()).some((d) => d.nextAttemptAt !== undefined), 'a notification waiting for its retry', 60_000);
    const [waiting] = await pendingViews();
    await page.goto(`${consoleUrl}#/instances/${instanceId}`);
    const row = page.locator(`tr[data-notification-id="${waiting!.id}"]`);
    await row.getByRole('button', { name: `Retry notification ${waiting!.id} now` }).waitFor();
    await browser.screenshot('deliveries-3-instance-retry.png');
    hook.respondWith(200);
    await row.getByRole('button', { name: `Retry notification ${waiting!.id} now` }).click();
    await hook.waitFor((r) => r.received.length > before, 20_000);
    assert.equal(hook.received.at(-1)!.body.id, waiting!.id);
    await row.filter({ hasText: 'delivered' }).waitFor({ timeout: 20_000 });
    assert.deepEqual(browser.pageErrors, [], 'no script errors');
  });
});
