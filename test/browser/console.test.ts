/**
 * The web console in headless Chromium against a real API, worker and Temporal dev server: create an
 * `http` instance through the form (a syntax error caught in the browser, a configuration the API
 * refuses shown at its resource, then fixed), watch its first events, change its interval, pause and
 * resume it, redeliver a queued delivery, and create a `sageone` instance through the OAuth2 redirect.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { type HttpProvider } from '../fakes/httpProvider';
import { startReceiver, type Receiver } from '../fakes/receiver';
import { SAGE_ACCOUNTING_DEFAULT_CLIENT_ID, SAGE_ACCOUNTING_DEFAULT_CLIENT_SECRET, startSageAccountingSimulator, type SageAccountingSimulator } from '../fakes/sageone';
import { type RunningApi } from '../support/pollster';
import { temporalUiUrl } from '../../api/routes/console';
import { until, type Browser } from './browser';
import { type ConsoleStack, signIn as signInAt, startConsoleStack } from './consoleStack';

const FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";
const resource = (updatedDateFormat = FORMAT) => ({
  contacts: {
    url: `/contacts?updatedSince=\${gmtDate:${FORMAT}}`,
    idField: 'id',
    datesConfiguration: { updatedDateField: 'updatedAt', updatedDateFormat, createdDateField: 'createdAt', createdDateFormat: FORMAT },
  },
});

describe('web console', () => {
  let api: RunningApi;
  let provider: HttpProvider;
  let receiver: Receiver;
  let browser: Browser;
  let consoleUrl: string;
  let running: ConsoleStack | undefined;
  const closers: (() => Promise<unknown>)[] = [];

  before(async () => {
    running = await startConsoleStack();
    ({ browser, api, provider, receiver, consoleUrl } = running);
  });

  after(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await running?.stop();
  });

  const signIn = (page: Page): Promise<void> => signInAt(page, consoleUrl);

  const instanceIdOf = (page: Page): number => Number(/#\/instances\/(\d+)$/.exec(page.url())?.[1]);

  /** Form controls without an accessible name (a label or aria-label): should be none. */
  const unlabelled = (page: Page): Promise<string[]> =>
    page.evaluate(() => {
      const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<{ id: string; type?: string; labels?: ArrayLike<unknown> | null; getAttribute(n: string): string | null; closest(s: string): unknown }> } }).document;
      return Array.from(doc.querySelectorAll('input, select, textarea'))
        .filter((el) => el.type !== 'hidden' && !el.closest('[hidden]') && !(el.labels && el.labels.length > 0) && !el.getAttribute('aria-label'))
        .map((el) => `${el.type ?? 'control'}#${el.id}`);
    });

  test('serves the console and its config outside the API base path, with no credentials and no CDN', async () => {
    const index = await fetch(consoleUrl);
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(index.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    const html = await index.text();
    assert.doesNotMatch(html, /https?:\/\//, 'the page names no other host');
    const js = await fetch(`${consoleUrl}/app.js`);
    assert.match(js.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.equal((await fetch(`${consoleUrl}/..%2Fpackage.json`)).status, 404, 'only files of console/ are served');
    assert.equal((await fetch(`${consoleUrl}/nope.js`)).status, 404);
    const config = (await (await fetch(`${consoleUrl}/config.json`)).json()) as { temporalUiUrl: string; namespace: string };
    assert.match(config.temporalUiUrl, /^http:\/\//);
    assert.equal(config.namespace, 'default');
    // Where the Temporal UI link points: the option, POLLSTER_TEMPORAL_UI_URL, the embedded server's UI port, or :8233.
    assert.equal(temporalUiUrl('http://ui.example:9000/', {}), 'http://ui.example:9000');
    assert.equal(temporalUiUrl(undefined, { POLLSTER_TEMPORAL_UI_URL: 'https://temporal.example/' }), 'https://temporal.example');
    assert.equal(temporalUiUrl(undefined, { POLLSTER_TEMPORAL_UI_PORT: '18233' }), 'http://127.0.0.1:18233');
    assert.equal(temporalUiUrl(undefined, {}), 'http://127.0.0.1:8233');
    assert.equal(temporalUiUrl('javascript:alert(1)', {}), 'http://127.0.0.1:8233', 'only http(s) becomes a link');
    // Signing in with wrong secrets is refused in the page.
    const { page } = browser;
    await page.goto(consoleUrl);
    await page.getByLabel('User secret').fill('wrong');
    await page.getByLabel('Organization secret').fill('wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('The API does not accept these secrets.').waitFor();
    assert.equal(await page.getByRole('navigation', { name: 'Main' }).isVisible(), false, 'no navigation before signing in');
    assert.equal(await page.getByRole('button', { name: 'Sign out' }).isVisible(), false);
    assert.equal(await page.evaluate(() => (globalThis as unknown as { sessionStorage: { length: number } }).sessionStorage.length), 0, 'refused secrets are not kept');
  });

  test('create an http instance through the form, see its events, change its interval, pause and resume it', async () => {
    const { page } = browser;
    await signIn(page);
    const posts: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/elements/api-v2/instances')) posts.push(r.url());
    });

    await page.getByRole('navigation').getByRole('link', { name: 'New instance' }).click();
    await page.getByRole('heading', { level: 1, name: 'New element instance' }).waitFor();
    await page.getByLabel('Element (required)', { exact: true }).selectOption('http');
    await page.getByLabel('Base URL (base.url)').waitFor();
    await page.getByLabel('Instance name').fill('console contacts');
    await page.getByLabel('Tags (comma-separated)').fill('browser, console');
    await page.getByLabel('Base URL (base.url)').fill(provider.url);
    assert.equal(await page.getByLabel('Password (basic) (password)').getAttribute('type'), 'password', 'PASSWORD definitions are password fields');
    assert.equal(await page.getByLabel('Enable events (poll the element and send notifications)').isChecked(), true);
    await page.getByLabel('Event notification callback URL').fill(receiver.url);
    await page.getByLabel('Refresh interval (minutes)', { exact: true }).fill('0.02');
    await page.getByLabel('Callback signature key (optional)').fill('MySecretEventSignatureKey');

    // The http element has no default resources: add one (Enter), which writes a template into the code view.
    const editor = page.getByLabel('Poller configuration (event.poller.configuration, JSON)');
    await page.getByLabel('Add a resource').fill('contacts');
    await page.getByLabel('Add a resource').press('Enter');
    await page.getByRole('checkbox', { name: /^contacts/ }).waitFor();
    assert.equal(await page.getByRole('checkbox', { name: /^contacts/ }).isChecked(), true);
    assert.deepEqual(JSON.parse(await editor.inputValue()), resource(), 'the template is the usual updatedSince query');
    assert.equal(posts.length, 0, 'Enter in "Add a resource" does not submit the form');

    // 1. A JSON syntax error: shown at its line and column while typing, and Create sends nothing.
    const good = JSON.stringify(resource(), null, 2);
    const missingComma = good.replace('"idField": "id",', '"idField": "id"');
    await editor.fill(missingComma);
    const idLine = missingComma.split('\n').findIndex((l) => l.includes('"idField"')) + 1;
    const column = missingComma.split('\n')[idLine - 1]!.length + 1;
    const marker = page.getByRole('button', { name: `Line ${idLine}, column ${column}` });
    await marker.waitFor();
    await page.getByText(`missing ',' after the value of "idField"`).first().waitFor();
    assert.deepEqual(await unlabelled(page), [], 'every field of the form has a label');
    await page.getByRole('button', { name: 'Create instance' }).click();
    await page.getByRole('heading', { name: 'One problem to fix before creating' }).waitFor();
    assert.equal(posts.length, 0, 'nothing is sent while the JSON does not parse');
    assert.equal(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { className: string } | null } }).document.activeElement?.className), 'error-summary', 'focus moves to the list of problems');
    await marker.click();
    assert.equal(await editor.evaluate((t) => { const area = t as unknown as { value: string; selectionStart: number }; return area.value.slice(0, area.selectionStart).split('\n').length; }), idLine, 'the marker puts the caret on the line');
    await browser.screenshot('console-1-json-syntax-error.png');

    // 2. Valid JSON the API refuses (a date format with a letter Java does not have): shown at the resource and its line.
    const badFormat = JSON.stringify(resource("yyyy-MM-dd'T'HH:mm:ss.SSSq"), null, 2);
    await editor.fill(badFormat);
    await page.getByRole('button', { name: 'Create instance' }).click();
    await page.getByRole('heading', { name: 'The API refused the instance: one problem' }).waitFor();
    assert.equal(posts.length, 1);
    const formatLine = badFormat.split('\n').findIndex((l) => l.includes('"updatedDateFormat"')) + 1;
    await page.getByRole('button', { name: new RegExp(`^Line ${formatLine}, column \\d+$`) }).waitFor();
    const resourceRow = page.locator('ul.resources li', { hasText: 'contacts' });
    assert.match(await resourceRow.innerText(), /unsupported date pattern letter 'q'/);
    assert.equal(await resourceRow.getByRole('checkbox').getAttribute('aria-invalid'), 'true');
    await browser.screenshot('console-2-api-issue-at-resource.png');

    // 3. Fixed: created, and the console shows the instance.
    await editor.fill(good);
    await page.getByRole('button', { name: 'Create instance' }).click();
    await page.waitForURL(/#\/instances\/\d+$/);
    const id = instanceIdOf(page);
    await page.getByRole('heading', { level: 1, name: /console contacts/ }).waitFor();
    const created = await api.request('GET', `/instances/${id}`);
    assert.equal(created.status, 200);
    assert.deepEqual(created.body.tags, ['browser', 'console']);
    assert.equal(created.body.configuration['event.notification.signature.key'], '********');

    // First events: a record in the provider becomes a delivered notification in the instance view.
    provider.create('Ada Lovelace');
    await receiver.waitFor((r) => r.events().length >= 1, 30_000);
    assert.match(String(receiver.received[0]!.headers['elements-webhook-signature']), /^sha256=/);
    await page.locator('tr[data-notification-id]', { hasText: 'delivered' }).first().waitFor({ timeout: 30_000 });
    await page.locator('table', { hasText: 'Checkpoints' }).getByRole('rowheader', { name: 'contacts' }).waitFor();

    // The interval: slider + number, applied with PATCH, reaches the workflow.
    await page.getByLabel('Refresh interval (minutes)', { exact: true }).fill('0.05');
    await page.getByRole('button', { name: 'Change interval' }).click();
    await page.locator('[data-testid="poller-interval"]', { hasText: '0.05 min' }).waitFor();
    assert.equal((await api.request('GET', `/instances/${id}/poller`)).body.refreshIntervalMinutes, 0.05);

    // Pause and resume.
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('button', { name: 'Resume' }).waitFor();
    assert.equal((await api.request('GET', `/instances/${id}`)).body.disabled, true);
    assert.equal((await api.request('GET', `/instances/${id}/poller`)).body.state, 'disabled');
    await page.getByRole('heading', { level: 1 }).getByText('disabled').waitFor();
    await browser.screenshot('console-3-instance-paused.png');
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.getByRole('button', { name: 'Pause' }).waitFor();
    assert.equal((await api.request('GET', `/instances/${id}`)).body.disabled, false);
    assert.notEqual((await api.request('GET', `/instances/${id}/poller`)).body.state, 'disabled');

    // Edit the configuration: the same form, pre-filled; secrets stay masked and are kept.
    await page.getByRole('link', { name: 'Edit configuration' }).click();
    await page.getByRole('heading', { level: 1, name: 'Edit console contacts' }).waitFor();
    assert.equal(await page.getByRole('checkbox', { name: /contacts/ }).isChecked(), true);
    assert.match(await editor.inputValue(), /"updatedDateField": "updatedAt"/);
    assert.equal(await page.getByLabel('Refresh interval (minutes)', { exact: true }).inputValue(), '0.05');
    assert.deepEqual(await unlabelled(page), []);
    await page.getByLabel('Instance name').fill('console contacts renamed');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { level: 1, name: /console contacts renamed/ }).waitFor();
    const edited = (await api.request('GET', `/instances/${id}`)).body;
    assert.equal(edited.name, 'console contacts renamed');
    assert.equal(edited.configuration['event.notification.signature.key'], '********', 'the signature key is kept');
    assert.equal(edited.configuration['event.poller.refresh_interval'], '0.05');

    // The list, filtered by tag (visibility is eventually consistent: refresh until it is listed).
    await page.getByRole('navigation').getByRole('link', { name: 'Instances' }).click();
    await page.getByLabel('Tag', { exact: true }).fill('console');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const row = page.locator(`tr[data-instance-id="${id}"]`);
    await until(async () => {
      if (await row.count()) return true;
      await page.getByRole('button', { name: 'Refresh' }).click();
      return false;
    }, 'the instance in the list');
    await until(async () => {
      if (/console contacts renamed/.test(await row.innerText())) return true;
      await page.getByRole('button', { name: 'Refresh' }).click();
      return false;
    }, 'the new name in the list');
    await row.getByText(/waiting|polling/).waitFor();
    assert.match(await row.innerText(), /console contacts renamed[\s\S]*http[\s\S]*browser/);
    await browser.screenshot('console-4-instance-list.png');

    assert.deepEqual(browser.pageErrors.filter((e) => !/status of 40[01]/.test(e)), [], 'no script errors');
    const origins = new Set(browser.requests.map((u) => new URL(u).origin));
    assert.deepEqual([...origins], [new URL(consoleUrl).origin], 'nothing loaded from anywhere but the API');
  });

  test('a delivery queued by a failing callback is redelivered from the deliveries screen', async () => {
    const { page } = browser;
    const hook = await startReceiver();
    closers.push(() => hook.close());
    const created = await api.request('POST', '/instances', {
      element: { key: 'http' },
      name: 'console queued',
      tags: ['browser'],
      configuration: {
        'base.url': provider.url,
        'event.notification.enabled': true,
        'event.notification.callback.url': hook.url,
        'event.poller.refresh_interval': '30',
        'event.poller.configuration': resource(),
      },
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const id = created.body.id;

    // The failure policy, set in the console: a failed delivery is queued at once.
    await page.getByRole('navigation').getByRole('link', { name: 'Deliveries' }).click();
    await page.getByRole('heading', { level: 1, name: 'Deliveries' }).waitFor();
    await page.getByLabel('When a callback fails (notification.webhook.failure.policy)').selectOption('queue');
    await page.getByRole('button', { name: 'Save policy' }).click();
    await page.getByText('Failure policy is now “queue”.').waitFor();
    assert.equal((await api.request('GET', '/accounts/settings')).body['notification.webhook.failure.policy'], 'queue');

    // The callback fails; Poll now from the instance view.
    hook.respondWith(503);
    provider.create('Grace Hopper');
    await page.goto(`${consoleUrl}#/instances/${id}`);
    await page.getByRole('button', { name: 'Poll now' }).click();
    await until(async () => hook.attempts > 0, 'a failed delivery attempt');

    // The deliveries screen shows it queued; the callback recovers; Redeliver.
    await page.getByRole('navigation').getByRole('link', { name: 'Deliveries' }).click();
    const group = page.locator(`section[data-url="${hook.url}"]`);
    await until(async () => {
      if (await group.locator('tr[data-status="queued"]').count()) return true;
      await page.getByRole('button', { name: 'Refresh' }).click();
      return false;
    }, 'a queued delivery');
    assert.match(await group.locator('tr[data-status="queued"]').first().innerText(), /contacts/);
    await group.locator('tr[data-status="queued"] details summary').first().click();
    await group.getByText('Grace Hopper').first().waitFor();
    await browser.screenshot('console-5-delivery-queued.png');
    hook.respondWith(200);
    await group.getByRole('button', { name: /^Redeliver 1 queued/ }).click();
    await hook.waitFor((r) => r.received.some((x) => x.raw.includes('Grace Hopper')), 30_000);
    await until(async () => {
      if (await page.getByText('No queued and retrying deliveries.').count()) return true;
      await page.getByRole('button', { name: 'Refresh' }).click();
      return false;
    }, 'the queue to drain', 20_000, 1000);
    await page.getByLabel('Status', { exact: true }).selectOption('delivered');
    await page.locator(`section[data-url="${hook.url}"] tr[data-status="delivered"]`).first().waitFor();
    await browser.screenshot('console-6-delivery-redelivered.png');
    await api.request('PATCH', '/accounts/settings', { 'notification.webhook.failure.policy': 'retry' });
  });

  test('OAuth2: the console gets the authorization URL, the provider redirects back with a code, the instance is created', async () => {
    const { page } = browser;
    const sim: SageAccountingSimulator = await startSageAccountingSimulator();
    closers.push(() => sim.close());
    await page.goto(`${consoleUrl}#/new`);
    await page.getByRole('heading', { level: 1, name: 'New element instance' }).waitFor();
    await page.getByLabel('Element (required)', { exact: true }).selectOption('sageone');
    await page.getByLabel('Client ID (oauth.api.key)').waitFor();
    await page.getByLabel('Instance name').fill('console sage');
    await page.getByLabel('Client ID (oauth.api.key)').fill(SAGE_ACCOUNTING_DEFAULT_CLIENT_ID);
    await page.getByLabel('Client Secret (oauth.api.secret)').fill(SAGE_ACCOUNTING_DEFAULT_CLIENT_SECRET);
    assert.equal(await page.getByLabel('Client Secret (oauth.api.secret)').getAttribute('type'), 'password');
    const callback = page.getByLabel('Callback URL (oauth.callback.url)');
    assert.equal(await callback.inputValue(), consoleUrl, "the console's own URL is the OAuth2 callback");
    await page.getByLabel('API root (base.url)').fill(sim.url);
    await page.getByLabel('Event notification callback URL').fill(receiver.url);
    // The element's default resources come pre-checked.
    assert.equal(await page.getByRole('checkbox', { name: 'customers' }).isChecked(), true);

    await page.getByRole('button', { name: 'Authorize with provider and create' }).click();
    // To the simulator's authorize endpoint, back to /console with ?code=…, then the POST.
    await page.waitForURL(/#\/instances\/\d+$/, { timeout: 30_000 });
    const id = instanceIdOf(page);
    await page.getByRole('heading', { level: 1, name: /console sage/ }).waitFor();
    assert.ok(browser.requests.some((u) => u.startsWith(`${new URL(sim.url).origin}/oauth2/auth/central`)), 'the browser went to the provider');
    assert.ok(browser.requests.some((u) => u.startsWith(`${consoleUrl}?code=`)), 'the provider sent it back with a code');
    assert.ok(!page.url().includes('code='), 'the code is taken out of the address bar');

    const instance = await api.request('GET', `/instances/${id}`);
    assert.equal(instance.status, 200);
    assert.equal(instance.body.element.key, 'sageone');
    assert.equal(instance.body.configuration['oauth.callback.url'], consoleUrl);
    assert.equal(instance.body.configuration['oauth.api.secret'], '********');
    // Poll now: the workflow exchanges the code with the provider (same redirect_uri as the authorization) and polls.
    await page.getByRole('button', { name: 'Poll now' }).click();
    await until(async () => sim.counters.codeExchanges === 1, 'the code exchange');
    await until(async () => {
      const s = (await api.request('GET', `/instances/${id}/poller`)).body;
      return s.polls >= 1 && !s.authError;
    }, 'a first authenticated poll');
    await page.locator('table', { hasText: 'Checkpoints' }).getByRole('rowheader', { name: 'customers' }).waitFor({ timeout: 15_000 });
    assert.equal(await page.evaluate(() => (globalThis as unknown as { sessionStorage: { getItem(k: string): string | null } }).sessionStorage.getItem('pollster.draft')), null, 'the draft is gone once created');
    await browser.screenshot('console-7-oauth2-created.png');

    // Delete, confirmed in a dialog.
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog', { name: 'Delete console sage?' }).getByRole('button', { name: 'Delete instance' }).click();
    await page.getByRole('heading', { level: 1, name: 'Instances' }).waitFor();
    assert.equal((await api.request('GET', `/instances/${id}`)).status, 404);
  });
});
