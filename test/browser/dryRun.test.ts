/**
 * "Try it" and the record explain view in headless Chromium, against a real API (with Pollster's store), worker,
 * Temporal dev server, provider and receiver: the form's dry run shows the events and the skipped records with their
 * reasons and sends nothing; the instance page explains a record (last reported, a poll now, the notifications).
 * Screenshots go to test-output/.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { type HttpProvider } from '../fakes/httpProvider';
import { type Receiver } from '../fakes/receiver';
import { type RunningApi } from '../support/pollster';
import { type Browser } from './browser';
import { type ConsoleStack, signIn as signInAt, startConsoleStack } from './consoleStack';

const FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";
const resource = {
  contacts: {
    url: `/contacts?updatedSince=\${gmtDate:${FORMAT}}`,
    idField: 'id',
    filterByCurrentDate: true,
    datesConfiguration: { updatedDateField: 'updatedAt', updatedDateFormat: FORMAT, createdDateField: 'createdAt', createdDateFormat: FORMAT },
  },
};

describe('web console: Try it and the record explain view', () => {
  let api: RunningApi;
  let provider: HttpProvider;
  let receiver: Receiver;
  let browser: Browser;
  let consoleUrl: string;
  let running: ConsoleStack | undefined;

  before(async () => {
    running = await startConsoleStack();
    ({ browser, api, provider, receiver, consoleUrl } = running);
  });

  after(async () => {
    await running?.stop();
  });

  const signIn = (page: Page): Promise<void> => signInAt(page, consoleUrl);

  test('Try it shows what one poll would do before Create; the instance page explains a record', async () => {
    const { page } = browser;
    const instanceCalls: string[] = [];
    page.on('request', (r) => {
      if (r.method() !== 'GET' && /\/elements\/api-v2\/instances/.test(r.url())) instanceCalls.push(`${r.method()} ${new URL(r.url()).pathname}`);
    });
    const ada = provider.create('Ada Lovelace');
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
    provider.insertRaw({ id: 'future', name: 'dated tomorrow', createdAt: tomorrow, updatedAt: tomorrow });

    await signIn(page);
    await page.getByRole('navigation').getByRole('link', { name: 'New instance' }).click();
    await page.getByLabel('Element (required)', { exact: true }).selectOption('http');
    await page.getByLabel('Base URL (base.url)').waitFor();
    await page.getByLabel('Instance name').fill('try it contacts');
    await page.getByLabel('Base URL (base.url)').fill(provider.url);
    await page.getByLabel('Event notification callback URL').fill(receiver.url);
    await page.getByLabel('Refresh interval (minutes)', { exact: true }).fill('0.05');
    await page.getByLabel('Add a resource').fill('contacts');
    await page.getByLabel('Add a resource').press('Enter');
    await page.getByRole('checkbox', { name: /^contacts/ }).waitFor();
    await page.getByLabel('Poller configuration (event.poller.configuration, JSON)').fill(JSON.stringify(resource, null, 2));

    // Try it: the dry run's answer under the form, with nothing created or delivered.
    await page.getByRole('button', { name: 'Try it' }).click();
    const answer = page.getByRole('region', { name: 'Try it: what one poll would do' });
    await answer.waitFor();
    const contacts = answer.getByRole('region', { name: 'Resource contacts' });
    await contacts.locator(`tr[data-object-id="${ada.id}"]`, { hasText: 'CREATED' }).waitFor();
    const skipped = contacts.locator('tr[data-reason="after-poll-start"][data-object-id="future"]');
    await skipped.waitFor();
    assert.match(await skipped.innerText(), /after the poll start/);
    assert.match(await contacts.innerText(), /GET\s+http:\/\/127\.0\.0\.1:\d+\/contacts\?updatedSince=/);
    assert.deepEqual(instanceCalls, ['POST /elements/api-v2/instances/dry-run'], 'only the dry run was called');
    assert.equal(receiver.attempts, 0, 'nothing was delivered');
    await browser.screenshot('dry-run-1-try-it.png');

    // Create it (its polls report what changes from now on), and change Ada: a poll reports her UPDATED.
    await page.getByRole('button', { name: 'Create instance' }).click();
    await page.waitForURL(/#\/instances\/\d+$/);
    const id = Number(/#\/instances\/(\d+)$/.exec(page.url())?.[1]);
    provider.update(ada.id, 'Ada Byron');
    await receiver.waitFor((r) => r.events().some((e) => e.objectId === ada.id), 30_000);
    const carried = receiver.received.find((r) => r.body.message.events.some((e) => e.objectId === ada.id))!;

    // The record explain view: what was last reported, what a poll would do now, the notifications.
    const explain = page.getByRole('region', { name: 'Explain a record' });
    await explain.getByLabel('Resource').selectOption('contacts');
    await explain.getByLabel('Object id').fill(ada.id);
    await explain.getByRole('button', { name: 'Explain' }).click();
    await explain.locator('[data-testid="verdict"]').waitFor();
    const text = await explain.innerText();
    assert.match(text, /Last reported[\s\S]*UPDATED/i);
    assert.match(text, new RegExp(carried.body.id));
    assert.match(await explain.locator('[data-testid="verdict"]').innerText(), /A poll now: (skipped \(already-reported\)|not reported: the provider returned no record with id)/);
    await explain.locator(`tr[data-notification-id="${carried.body.id}"]`, { hasText: 'delivered' }).waitFor();
    await browser.screenshot('dry-run-2-explain-record.png');

    // An object the instance never reported.
    await explain.getByLabel('Object id').fill('nobody');
    await explain.getByRole('button', { name: 'Explain' }).click();
    await explain.getByText('Nothing: no notification in the delivery log carried this object.').waitFor();

    // Try it while editing: the instance from its checkpoints, with the change not saved.
    await page.getByRole('link', { name: 'Edit configuration' }).click();
    await page.getByRole('heading', { level: 1, name: 'Edit try it contacts' }).waitFor();
    await page.getByLabel('Instance name').fill('try it contacts (not saved)');
    await page.getByRole('button', { name: 'Try it' }).click();
    await page.getByRole('region', { name: 'Try it: a poll now, with these changes' }).getByRole('region', { name: 'Resource contacts' }).waitFor();
    assert.ok(instanceCalls.includes(`POST /elements/api-v2/instances/${id}/events/dry-run`));
    assert.ok(!instanceCalls.some((c) => c.startsWith('PATCH')), 'nothing was saved');
    assert.equal((await api.request('GET', `/instances/${id}`)).body.name, 'try it contacts');
    await browser.screenshot('dry-run-3-try-it-edit.png');
    assert.deepEqual(browser.pageErrors, []);
    await api.request('DELETE', `/instances/${id}`);
  });
});
