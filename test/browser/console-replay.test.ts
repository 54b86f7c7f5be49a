/**
 * Rewind and replay from the instance page in headless Chromium, against a real API, worker, Temporal dev server,
 * provider and receiver: a rewind through the console brings the events again under the ids they had; a replay over
 * a window ends with its counts in the page and reaches the receiver marked as a replay (`message.replay`, the
 * `Pollster-Replay` header); a 400 shows at its field; a replay on a slow provider is cancelled from the page.
 * Screenshots go to test-output/console-replay-*.png.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Locator, Page } from 'playwright-core';
import { startHttpProvider, type HttpProvider } from '../fakes/httpProvider';
import { startReceiver, type Received, type Receiver } from '../fakes/receiver';
import { SECRETS, startApi, startWorker, type RunningApi, type RunningWorker } from '../support/pollster';
import { startTemporal } from '../support/temporal';
import { launchBrowser, OUTPUT_DIR, type Browser } from './browser';
import { contactsResource, httpInstanceBody } from '../support/limitBodies';


function instanceBody(provider: HttpProvider, receiver: Receiver, name: string, interval: string, pageSize = 50): unknown {
  return httpInstanceBody({ name, providerUrl: provider.url, callbackUrl: receiver.url, interval, resources: { contacts: { ...contactsResource(), pageSize } } });
}

/** A `datetime-local` value: the browser runs in UTC, so the instant's UTC wall time, to the second. */
const local = (ms: number): string => new Date(ms).toISOString().slice(0, 19);
const replayed = (r: Received): boolean => r.body.message.replay !== undefined;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('web console: rewind and replay', () => {
  let env: TestWorkflowEnvironment;
  let worker: RunningWorker;
  let api: RunningApi;
  let browser: Browser;
  let consoleUrl: string;

  before(async () => {
    browser = await launchBrowser({ timezoneId: 'UTC' });
    env = await startTemporal();
    worker = await startWorker(env);
    api = await startApi(env, undefined, { store: true });
    consoleUrl = api.url.replace(/\/elements\/api-v2$/, '/console');
    const { page } = browser;
    await page.goto(consoleUrl);
    await page.getByLabel('User secret').fill(SECRETS.userSecret);
    await page.getByLabel('Organization secret').fill(SECRETS.organizationSecret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Instances' }).waitFor();
  });

  after(async () => {
    await browser?.close();
    await api?.close();
    await worker?.stop();
    await env?.teardown();
  });

  async function openInstance(page: Page, id: number, name: string): Promise<void> {
    await page.goto(`${consoleUrl}#/instances/${id}`);
    await page.getByRole('heading', { level: 1, name: new RegExp(name) }).waitFor();
  }
  const shot = (region: Locator, name: string): Promise<Buffer> => region.screenshot({ path: join(OUTPUT_DIR, `console-replay-${name}.png`) });

  test('a rewind brings the events again under their ids; a replay over a window ends with its counts, marked at the receiver', async () => {
    const { page } = browser;
    const provider = await startHttpProvider();
    const receiver = await startReceiver();
    try {
      const created = await api.request('POST', '/instances', instanceBody(provider, receiver, 'replay contacts', '0.05'));
      assert.equal(created.status, 200, JSON.stringify(created.body));
      const id: number = created.body.id;
      await sleep(1500);
      const since = Date.now() - 1000;
      const made = [provider.create('Ada'), provider.create('Bob'), provider.create('Cy')].map((c) => c.id);
      await receiver.waitFor((r) => r.events().length >= 3, 30_000);
      const firstIds = new Map(receiver.received.flatMap((r) => r.body.message.events.map((e) => [e.objectId, r.body.id] as const)));
      assert.deepEqual([...firstIds.keys()].sort(), [...made].sort());
      await openInstance(page, id, 'replay contacts');

      // Rewind: a checkpoint in the future is refused at its field; a past one, confirmed, brings the events again.
      const rewind = page.getByRole('region', { name: 'Rewind' });
      const checkpoint = rewind.getByLabel('New checkpoint for contacts');
      await checkpoint.fill(local(Date.now() + 3_600_000));
      await rewind.getByRole('button', { name: 'Rewind contacts' }).click();
      await rewind.getByText('Not in the future').waitFor();
      assert.equal(await checkpoint.getAttribute('aria-invalid'), 'true');
      await checkpoint.fill(local(since));
      await rewind.getByRole('button', { name: 'Rewind contacts' }).click();
      const dialog = page.getByRole('dialog', { name: 'Rewind contacts?' });
      await dialog.waitFor();
      assert.match(await dialog.innerText(), /come again[\s\S]*with the id it had/);
      await browser.screenshot('console-replay-1-rewind-confirm.png');
      const beforeRewind = receiver.received.length;
      await dialog.getByRole('button', { name: 'Rewind' }).click();
      await page.getByText(/Rewound contacts: its next poll reads from/).waitFor();
      await receiver.waitFor((r) => r.received.slice(beforeRewind).flatMap((x) => x.body.message.events).length >= 3, 30_000);
      const again = receiver.received.slice(beforeRewind);
      assert.equal(again.filter(replayed).length, 0, 'a rewind is live polling: not marked as a replay');
      for (const r of again) for (const e of r.body.message.events) assert.equal(r.body.id, firstIds.get(e.objectId), `${e.objectId} again under the id it had`);
      await shot(rewind, '2-rewound');

      // Replay: an until in the future is the API's 400, shown at the Until field; then the window replays.
      const replay = page.getByRole('region', { name: 'Replay from the source' });
      await replay.getByText('No replay yet.').waitFor();
      await replay.getByLabel('Since (required)').fill(local(since));
      await replay.getByLabel('Until').fill(local(Date.now() + 3_600_000));
      await replay.getByRole('button', { name: 'Start replay' }).click();
      const untilError = replay.locator('.field-error', { hasText: 'later than now' });
      await untilError.waitFor();
      assert.equal(await replay.getByLabel('Until').getAttribute('aria-invalid'), 'true');
      await shot(replay, '3-replay-until-refused');
      await replay.getByLabel('Until').fill(local(Date.now())); // now, to the second: past
      await replay.getByRole('button', { name: 'Start replay' }).click();
      await replay.locator('[data-testid="replay-status"]', { hasText: 'completed' }).waitFor({ timeout: 60_000 });
      const row = replay.locator('[data-testid="replay-progress"] tr[data-resource="contacts"]');
      const [status, records, events, problems, notifications] = await row.locator('td').allInnerTexts();
      assert.deepEqual([status, records, events, problems], ['completed', '3', '3', '0']);
      assert.ok(Number(notifications) >= 1, `notifications: ${notifications}`);
      const replayId = (await replay.locator('dd code').first().innerText()).trim();
      assert.match(replayId, /^[0-9a-f]{16}$/);
      await receiver.waitFor((r) => r.received.filter(replayed).flatMap((x) => x.body.message.events).length >= 3, 30_000);
      const marked = receiver.received.filter(replayed);
      for (const r of marked) {
        assert.equal(r.body.message.replay, replayId, 'marked in the body');
        assert.equal(r.headers['pollster-replay'], replayId, 'and in the header');
      }
      assert.deepEqual(marked.flatMap((r) => r.body.message.events.map((e) => e.objectId)).sort(), [...made].sort());
      // The recent replays (the list route, through visibility) name it.
      await replay.locator(`tr[data-replay-id="${replayId}"]`, { hasText: 'completed' }).waitFor();
      await shot(replay, '4-replay-completed');
      await browser.screenshot('console-replay-5-instance-page.png');
      assert.deepEqual(browser.pageErrors.filter((e) => !/status of 400/.test(e)), [], 'no page error but the refused start');
      await api.request('DELETE', `/instances/${id}`);
    } finally {
      await provider.close();
      await receiver.close();
    }
  });

  test('a replay on a slow provider is cancelled from the page and ends cancelled', async () => {
    const { page } = browser;
    const provider = await startHttpProvider();
    provider.setLatency(250);
    const receiver = await startReceiver();
    const errorsBefore = browser.pageErrors.length;
    try {
      const since = Date.now() - 2000;
      for (let i = 0; i < 400; i++) provider.create(`c${i}`);
      await sleep(1100);
      // Polls hourly and pages of 5: the replay has 80 slow pages to read.
      const created = await api.request('POST', '/instances', instanceBody(provider, receiver, 'slow contacts', '60', 5));
      assert.equal(created.status, 200, JSON.stringify(created.body));
      const id: number = created.body.id;
      await openInstance(page, id, 'slow contacts');
      const replay = page.getByRole('region', { name: 'Replay from the source' });
      await replay.getByLabel('Since (required)').fill(local(since));
      await replay.getByLabel('Until').fill(local(Date.now()));
      await replay.getByRole('button', { name: 'Start replay' }).click();
      await replay.locator('[data-testid="replay-status"]', { hasText: 'running' }).waitFor();
      await receiver.waitFor((r) => r.received.some(replayed), 30_000).catch(async (err) => {
        throw new Error(`${(err as Error).message}; the page shows: ${await replay.innerText()}`);
      });
      await replay.getByRole('button', { name: 'Cancel replay' }).click();
      await replay.locator('[data-testid="replay-status"]', { hasText: 'cancelled' }).waitFor({ timeout: 60_000 });
      const row = replay.locator('[data-testid="replay-progress"] tr[data-resource="contacts"]');
      assert.equal(await row.locator('td').first().innerText(), 'cancelled');
      const events = Number(await row.locator('td').nth(2).innerText());
      assert.ok(events > 0 && events < 400, `some changes went out, not all: ${events}`);
      await shot(replay, '6-replay-cancelled');
      assert.deepEqual(browser.pageErrors.slice(errorsBefore), []);
      await api.request('DELETE', `/instances/${id}`);
    } finally {
      await provider.close();
      await receiver.close();
    }
  });
});
