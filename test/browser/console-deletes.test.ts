/**
 * Deletes and late records in the console, in headless Chromium against a real API (with Pollster's store), worker,
 * Temporal dev server, provider and receiver. The form configures an id scan and a settle delay under the resource,
 * writing them into the code view (and reading them back from it); the API's 400 about the scan's interval shows at
 * its control and at the resource; the instance created sends exactly that configuration. The instance page then
 * shows the scan (ids listed, a DELETED event after a contact is deleted at the provider) and the settle window
 * waiting for its second look. Screenshots go to test-output/.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type HttpProvider } from '../fakes/httpProvider';
import { type Receiver } from '../fakes/receiver';
import { SECRETS, type RunningApi } from '../support/pollster';
import { until, type Browser } from './browser';
import { startConsoleStack, type ConsoleStack } from './consoleStack';

const FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";
const contacts = {
  url: `/contacts?updatedSince=\${gmtDate:${FORMAT}}`,
  idField: 'id',
  datesConfiguration: { updatedDateField: 'updatedAt', updatedDateFormat: FORMAT, createdDateField: 'createdAt', createdDateFormat: FORMAT },
};
/** Long enough that the window stays pending while the test looks at it. */
const SETTLE_SECONDS = 600;

describe('web console: deletes and late records', () => {
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

  test('the form configures an id scan and a settle delay; the instance page shows the scan, its DELETED events and the pending window', async () => {
    const { page } = browser;
    const ids = ['Ada Lovelace', 'Grace Hopper', 'Alan Turing'].map((name) => provider.create(name).id);
    const posts: any[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && new URL(r.url()).pathname === '/elements/api-v2/instances') posts.push(r.postDataJSON());
    });

    await page.goto(consoleUrl);
    await page.getByLabel('User secret').fill(SECRETS.userSecret);
    await page.getByLabel('Organization secret').fill(SECRETS.organizationSecret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Instances' }).waitFor();
    await page.getByRole('navigation').getByRole('link', { name: 'New instance' }).click();
    await page.getByLabel('Element (required)', { exact: true }).selectOption('http');
    await page.getByLabel('Base URL (base.url)').waitFor();
    await page.getByLabel('Instance name').fill('deletes contacts');
    await page.getByLabel('Base URL (base.url)').fill(provider.url);
    await page.getByLabel('Event notification callback URL').fill(receiver.url);
    await page.getByLabel('Refresh interval (minutes)', { exact: true }).fill('60');
    const editor = page.getByLabel('Poller configuration (event.poller.configuration, JSON)');
    await editor.fill(JSON.stringify({ contacts }, null, 2));
    await page.getByRole('checkbox', { name: /^contacts/ }).waitFor();
    const codeView = async (): Promise<any> => JSON.parse(await editor.inputValue());

    // The controls write the resource's deletion and settleDelay into the code view.
    const extras = page.locator('details.resource-extras[data-resource="contacts"]');
    assert.match(await extras.locator('summary').innerText(), /Deletes and late records — none/);
    await extras.locator('summary').click();
    await extras.getByLabel('Deleted records reported from').selectOption('scan');
    assert.equal(await extras.locator('[data-mode="scan"]').getByLabel('Id field').inputValue(), 'id', 'a new scan starts with the resource’s id field');
    await extras.getByLabel('Id listing URL').fill('/contacts/ids');
    await extras.getByLabel('Scan every (minutes)').fill('0.001');
    await extras.getByLabel('Settle delay (seconds, optional)').fill(String(SETTLE_SECONDS));
    assert.deepEqual(await codeView(), { contacts: { ...contacts, deletion: { scan: { url: '/contacts/ids', idField: 'id', every: 0.001 } }, settleDelay: SETTLE_SECONDS } });
    assert.match(await extras.locator('summary').innerText(), /id scan every 0\.001 min; settle 600 s/);

    // The API refuses a scan more often than every second: the issue is at the control and at the resource.
    await page.getByRole('button', { name: 'Create instance' }).click();
    await page.getByRole('heading', { name: 'The API refused the instance: one problem' }).waitFor();
    const every = extras.getByLabel('Scan every (minutes)');
    assert.equal(await every.getAttribute('aria-invalid'), 'true');
    assert.match(await extras.locator('.field-error:visible').innerText(), /at least 1 second/);
    assert.match(await page.locator('ul.resources li', { has: page.locator('input[data-resource="contacts"]') }).locator(':scope > .field-error').innerText(), /^deletion\.scan\.every: must be at least 1 second/);
    assert.match(await page.locator('.error-summary').innerText(), /contacts\.deletion\.scan\.every: must be at least 1 second/);
    await browser.screenshot('console-deletes-1-scan-interval-refused.png');

    // Fixed in the code view: the controls read it back.
    await editor.fill((await editor.inputValue()).replace('"every": 0.001', '"every": 0.05'));
    await until(async () => (await every.inputValue()) === '0.05', 'the control shows the code view’s interval');
    assert.equal(await every.getAttribute('aria-invalid'), null, 'the old issue is gone');
    await browser.screenshot('console-deletes-2-form-scan-and-settle.png');

    await page.getByRole('button', { name: 'Create instance' }).click();
    await page.waitForURL(/#\/instances\/\d+$/);
    const id = Number(/#\/instances\/(\d+)$/.exec(page.url())?.[1]);
    assert.equal(posts.length, 2);
    assert.deepEqual(posts[1].configuration['event.poller.configuration'], { contacts: { ...contacts, deletion: { scan: { url: '/contacts/ids', idField: 'id', every: 0.05 } }, settleDelay: SETTLE_SECONDS } });

    // The instance page: the first scan lists the three ids and reports nothing.
    await page.getByRole('heading', { level: 1, name: /deletes contacts/ }).waitFor();
    const state = page.getByRole('group', { name: 'contacts: deletes and late records' });
    await until(async () => (await state.count()) > 0 && /3 ids listed/.test(await state.innerText()), 'the first scan on the page', 60_000, 500);
    assert.equal(await state.locator('[data-testid="scan-deleted"]').innerText(), '0');

    // A contact deleted at the provider. The instance waits for its next poll (60 minutes): Poll now wakes it, the scan
    // due since runs beside that poll and reports the contact, and that poll's window waits SETTLE_SECONDS for its
    // second look.
    provider.delete(ids[1]!);
    await page.getByRole('button', { name: 'Poll now' }).click();
    await receiver.waitFor((r) => r.events().some((e) => e.eventType === 'DELETED' && e.objectId === ids[1]), 60_000);
    await until(async () => (await state.locator('[data-testid="scan-deleted"]').innerText()) === '1' && (await state.locator('[data-testid="settle-window"]').count()) > 0, 'the DELETED count and a pending window on the page', 60_000, 500);

    const status = (await api.request('GET', `/instances/${id}/poller`)).body.resources.contacts;
    const text = await state.innerText();
    assert.match(text, /DELETED events reported\s+1 \(id scans, in all\)/);
    assert.match(text, /Last scan\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\S* \([^)]*\) — 2 ids listed/);
    assert.match(text, /Late records found\s+0/);
    assert.match(text, /Lateness\s+no late record yet/);
    const window = status.settle.pendingWindows.at(-1);
    const shown = state.locator('[data-testid="settle-window"]').last().locator('time');
    assert.deepEqual(await shown.evaluateAll((ts) => ts.map((t) => t.getAttribute('datetime'))), [window.since, window.until, window.dueAt].map((t: string) => new Date(t).toISOString()));
    assert.match(await state.locator('[data-testid="settle-window"]').last().innerText(), /→ .*\n?read again \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\S* \(in (9|10) min\)/);
    assert.ok(!/Scan error|Settle error/.test(text), 'no error shown while there is none');
    await browser.screenshot('console-deletes-3-instance-scan-and-settle.png');

    // Edit: the form opens with the instance's scan and settle delay in the controls.
    await page.getByRole('link', { name: 'Edit configuration' }).click();
    await page.getByRole('heading', { level: 1, name: 'Edit deletes contacts' }).waitFor();
    const editExtras = page.locator('details.resource-extras[data-resource="contacts"]');
    assert.match(await editExtras.locator('summary').innerText(), /id scan every 0\.05 min; settle 600 s/);
    await editExtras.locator('summary').click();
    assert.equal(await editExtras.getByLabel('Deleted records reported from').inputValue(), 'scan');
    assert.equal(await editExtras.getByLabel('Settle delay (seconds, optional)').inputValue(), String(SETTLE_SECONDS));
    // Back to no deletion: the key leaves the code view, the rest of the resource stays.
    await editExtras.getByLabel('Deleted records reported from').selectOption('none');
    await editExtras.getByLabel('Settle delay (seconds, optional)').fill('');
    assert.deepEqual(JSON.parse(await page.getByLabel('Poller configuration (event.poller.configuration, JSON)').inputValue()), { contacts });
    assert.deepEqual(browser.pageErrors.filter((e) => !/status of 400/.test(e)), [], 'no script errors');
    await api.request('DELETE', `/instances/${id}`);
  });
});
