/**
 * Health and poll history in the console, in headless Chromium against a real API (with Pollster's store), worker and
 * Temporal dev server. A Sage CRM instance whose host does not resolve is failing, in red, in the list and its header,
 * with the reasons and what to check; an instance whose callback fails is degraded; the list filters and sorts by
 * health and reads every page; the instance page shows its last polls with their requests, and charts of events and
 * poll duration drawn by uPlot from node_modules. Each view is written to test-output/.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';
import { deliveryHealth } from '../../contract/messages';
import { instanceWorkflowId } from '../../contract/names';
import { type HttpProvider } from '../fakes/httpProvider';
import { startReceiver, type Receiver } from '../fakes/receiver';
import { type RunningApi } from '../support/pollster';
import { eventually } from '../support/processes';
import { until, type Browser } from './browser';
import { signIn, startConsoleStack, type ConsoleStack } from './consoleStack';

const FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";
const contacts = {
  contacts: {
    url: `/contacts?updatedSince=\${gmtDate:${FORMAT}}&api_key=history-key-secret`,
    idField: 'id',
    datesConfiguration: { updatedDateField: 'updatedAt', updatedDateFormat: FORMAT, createdDateField: 'createdAt', createdDateFormat: FORMAT },
  },
};

/** A row's health as the list shows it, or null while the row is not there. */
const rowHealth = async (row: ReturnType<Page['locator']>): Promise<string | null> => ((await row.count()) > 0 ? row.getAttribute('data-health') : null);

/**
 * A computed style of what the locator finds. The list re-renders as it refreshes, and an element detached in between
 * has no computed style (''): it is read again from the new one.
 */
const styleOf = (locator: Locator, property: 'color' | 'backgroundColor'): Promise<string> =>
  eventually(async () => (await locator.evaluate((el, p) => (globalThis as any).getComputedStyle(el)[p] as string, property)) || undefined, `the computed ${property}`, 2_000);

/** The colour a CSS custom property of the console resolves to, as the browser computes colours. */
const cssVarColor = (page: Page, name: string): Promise<string> =>
  page.evaluate((n) => {
    const doc = (globalThis as any).document;
    const probe = doc.createElement('span');
    probe.style.color = `var(${n})`;
    doc.body.append(probe);
    const color = (globalThis as any).getComputedStyle(probe).color;
    probe.remove();
    return color as string;
  }, name);

describe('web console: health and poll history', () => {
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
    await signIn(browser.page, consoleUrl);
  });

  after(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await running?.stop();
  });

  async function create(body: Record<string, unknown>): Promise<number> {
    const res = await api.request('POST', '/instances', body);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.id;
  }

  const httpInstance = (name: string, tags: string[], configuration: Record<string, unknown> = {}) =>
    create({
      element: { key: 'http' },
      name,
      tags,
      configuration: {
        'base.url': provider.url,
        'event.notification.enabled': true,
        'event.notification.callback.url': receiver.url,
        'event.poller.refresh_interval': '60',
        'event.poller.configuration': contacts,
        ...configuration,
      },
    });

  /** Polls now and waits until that poll has ended. */
  async function pollOnce(id: number): Promise<any> {
    const before = (await api.request('GET', `/instances/${id}/poller`)).body.polls ?? 0;
    assert.equal((await api.request('POST', `/instances/${id}/events/poll`)).status, 200);
    let status: any;
    await until(async () => {
      status = (await api.request('GET', `/instances/${id}/poller`)).body;
      return status.polls > before && status.state !== 'polling';
    }, `poll ${before + 1} of instance ${id}`, 90_000);
    return status;
  }

  /** Opens the list filtered by a tag, refreshing until `ready` holds (visibility lags a moment). */
  async function openList(page: Page, tag: string, ready: () => Promise<boolean>): Promise<void> {
    await page.goto(`${consoleUrl}#/instances`);
    await page.getByRole('heading', { level: 1, name: 'Instances' }).waitFor();
    await page.getByLabel('Tag', { exact: true }).fill(tag);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await until(async () => {
      if (await ready()) return true;
      await page.getByRole('button', { name: 'Refresh' }).click();
      return false;
    }, `the list tagged ${tag}`, 60_000, 1000);
  }

  async function openInstance(page: Page, id: number, name: RegExp): Promise<void> {
    const hash = `#/instances/${id}`;
    if (page.url().endsWith(hash)) await page.reload();
    else await page.goto(`${consoleUrl}${hash}`);
    await page.getByRole('heading', { level: 1, name }).waitFor();
  }

  test('a Sage CRM instance whose host does not resolve is failing, in red, with the reasons and what to check', async () => {
    const { page } = browser;
    const id = await create({
      element: { key: 'sagecrm' },
      name: 'sage unresolvable',
      tags: ['health-ui', 'sage'],
      configuration: { subdomain: 'crm.nowhere.invalid', username: 'sage', password: 'sage-password', 'event.notification.enabled': true, 'event.notification.callback.url': receiver.url, 'event.poller.refresh_interval': '60' },
    });
    const healthyId = await httpInstance('calm contacts', ['health-ui']);
    await pollOnce(healthyId);
    const status = await pollOnce(id);
    assert.equal(status.health.state, 'failing');

    const row = page.locator(`tr[data-instance-id="${id}"]`);
    await openList(page, 'health-ui', async () => (await rowHealth(row)) === 'failing' && (await row.locator('ul.reasons').count()) > 0);
    const badge = row.locator('[data-health="failing"]');
    assert.equal(await badge.innerText(), 'failing');
    assert.equal(await styleOf(badge, 'backgroundColor'), await cssVarColor(page, '--danger'), 'failing is shown in red');
    const stateColor = await styleOf(row.locator('.badge-waiting'), 'color');
    assert.notEqual(stateColor, await cssVarColor(page, '--ok'), 'the poller state "waiting" is not green: a failing instance does not look healthy');
    const reasons = await row.locator('ul.reasons').innerText();
    assert.match(reasons, /accounts: .*getaddrinfo ENOTFOUND crm\.nowhere\.invalid; the host crm\.nowhere\.invalid does not resolve: check it in base\.url \(or the subdomain\)/);
    assert.match(reasons, /and 3 more/);
    // Worst first: the failing instance above the healthy one.
    const order = await page.locator('tbody tr').evaluateAll((rows) => rows.map((r) => Number((r as any).dataset.instanceId)));
    assert.ok(order.indexOf(id) < order.indexOf(healthyId), `failing first: ${order}`);
    await browser.screenshot('console-health-1-list-failing-provider.png');

    await openInstance(page, id, /sage unresolvable/);
    await page.getByRole('heading', { level: 1 }).locator('[data-health="failing"]').waitFor();
    const block = page.locator('[data-testid="health"]');
    await block.locator('ul.reasons li').first().waitFor();
    assert.equal(await block.locator('ul.reasons li').count(), 5, 'one reason per resource');
    assert.match(await block.innerText(), /^failing Failing since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
    // What happened and what to check first; the request it names on a line of its own.
    assert.match(await block.innerText(), /users: ProviderUnavailable: request failed: getaddrinfo ENOTFOUND crm\.nowhere\.invalid; the host crm\.nowhere\.invalid does not resolve: check it in base\.url \(or the subdomain\) for a typo, and the worker's DNS\s+GET https:\/\/crm\.nowhere\.invalid\/sdata\/crmj\/sagecrm2\/-\/Users\?\S+/);
    assert.ok(!(await page.locator('main').innerText()).includes('sage-password'));
    await browser.screenshot('console-health-2-instance-failing-provider.png');
  });

  test('an instance whose callback fails is degraded, with the reason', async () => {
    const { page } = browser;
    const hook = await startReceiver();
    closers.push(() => hook.close());
    hook.respondWith(503);
    const id = await httpInstance('callback down', ['health-ui', 'callback'], { 'event.notification.callback.url': hook.url });
    await pollOnce(id);
    provider.create('Hedy Lamarr');
    await pollOnce(id);
    await until(async () => hook.attempts > 0, 'a failed delivery');
    // The callback's subscription reports delivery trouble to the instance (deliveryHealth), as here.
    await api.client.workflow.getHandle(instanceWorkflowId(id)).signal(deliveryHealth, { callbackUrl: hook.url, state: 'retrying', lastError: 'callback answered 503', atMs: Date.now() });

    const row = page.locator(`tr[data-instance-id="${id}"]`);
    await openList(page, 'callback', async () => (await rowHealth(row)) === 'degraded');
    assert.match(await row.locator('ul.reasons').innerText(), new RegExp(`deliveries to ${hook.url.replace(/[.?]/g, '\\$&')} are being retried: callback answered 503`));
    assert.equal(await styleOf(row.locator('[data-health="degraded"]'), 'backgroundColor'), await cssVarColor(page, '--warn'));
    await browser.screenshot('console-health-3-list-failing-callback.png');

    await openInstance(page, id, /callback down/);
    await page.getByRole('heading', { level: 1 }).locator('[data-health="degraded"]').waitFor();
    assert.match(await page.locator('[data-testid="health"]').innerText(), /Degraded since .*:\s+deliveries to .* are being retried: callback answered 503/);
    await page.getByRole('region', { name: 'Poll history' }).locator('table.polls').waitFor();
    await browser.screenshot('console-health-4-instance-failing-callback.png');
  });

  test('the list filters by health', async () => {
    const { page } = browser;
    const row = (state: string) => page.locator(`tbody tr[data-health="${state}"]`);
    await openList(page, 'health-ui', async () => (await row('failing').count()) > 0 && (await row('degraded').count()) > 0 && (await row('healthy').count()) > 0);
    await page.getByLabel('Health', { exact: true }).selectOption('degraded,failing');
    await until(async () => (await row('healthy').count()) === 0 && (await row('failing').count()) > 0, 'only the instances that need attention');
    assert.ok((await row('degraded').count()) > 0);
    assert.match(await page.locator('caption').first().innerText(), /^\d+ of \d+ instances? tagged “health-ui”$/);
    await browser.screenshot('console-health-5-list-needs-attention.png');
    await page.getByLabel('Health', { exact: true }).selectOption('healthy');
    await until(async () => (await row('failing').count()) === 0 && (await row('healthy').count()) > 0, 'only the healthy instances');
    await page.getByLabel('Health', { exact: true }).selectOption('');
  });

  test('poll history: the last polls with their requests, and charts of events and duration', async () => {
    const { page } = browser;
    const id = await httpInstance('history contacts', ['health-ui', 'history']);
    await pollOnce(id);
    provider.create('Ada Lovelace');
    provider.create('Charles Babbage');
    await pollOnce(id);
    provider.create('Mary Somerville');
    await pollOnce(id);

    await openInstance(page, id, /history contacts/);
    const historySection = page.getByRole('region', { name: 'Poll history' });
    const rows = historySection.locator('table.polls > tbody > tr');
    await until(async () => (await rows.count()) === 3, 'three polls listed');
    assert.equal(await historySection.locator('caption').innerText(), `The last 3 polls, newest first (chart times in ${await page.evaluate(() => { const o = -new Date().getTimezoneOffset(); return o === 0 ? 'UTC' : `UTC${o < 0 ? '-' : '+'}${String(Math.floor(Math.abs(o) / 60)).padStart(2, '0')}:${String(Math.abs(o) % 60).padStart(2, '0')}`; })})`);
    assert.deepEqual(await rows.locator(':scope > td:nth-child(4)').allInnerTexts(), ['1', '2', '0'], 'events per poll, newest first');
    assert.match(await rows.first().innerText(), /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
    assert.match(await rows.first().locator('li[data-resource="contacts"]').innerText(), /contacts\s+read \d+ records?, 1 event/);

    // The requests of the newest poll: the URL as the API masks it.
    await rows.first().locator('details.requests summary').click();
    const request = rows.first().locator('details.requests tbody tr').first();
    assert.match(await request.innerText(), new RegExp(`GET ${provider.url.replace(/[.]/g, '\\.')}/contacts\\?updatedSince=\\S+&api_key=\\*\\*\\*\\s+200\\s+\\d+ ms`));
    assert.ok(!(await historySection.innerText()).includes('history-key-secret'), 'the key is masked');

    // The charts: uPlot's canvases, drawn with the three polls.
    for (const caption of ['Events per poll', 'Poll duration (seconds)']) {
      const figure = historySection.locator('figure.chart', { hasText: caption });
      await figure.locator('canvas').waitFor();
      assert.equal(await figure.getAttribute('data-points'), '3', caption);
      assert.match((await figure.getAttribute('aria-label'))!, /: 3 polls, from /);
      const inked = await figure.locator('canvas').evaluate((canvas: any) => {
        const ctx = canvas.getContext('2d');
        const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
        let n = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
        return n;
      });
      assert.ok(inked > 200, `${caption}: the canvas is drawn on (${inked} pixels)`);
    }
    assert.equal(await historySection.locator('figure.chart', { hasText: 'Events per poll' }).evaluate((f) => Boolean((f as any).querySelector('.uplot'))), true, 'drawn by uPlot');
    await browser.screenshot('console-health-6-poll-history.png');

    // The chart library came from this origin (node_modules, through the console route), as did everything else.
    assert.ok(browser.requests.some((u) => u.endsWith('/console/vendor/uplot.js')));
    assert.ok(browser.requests.some((u) => u.endsWith('/console/vendor/uplot.css')));
    assert.deepEqual([...new Set(browser.requests.map((u) => new URL(u).origin))], [new URL(consoleUrl).origin]);
    assert.deepEqual(browser.pageErrors.filter((e) => !/status of 40[01]/.test(e)), [], 'no script errors');
  });

  test('the vendor route serves the chart library and nothing else', async () => {
    const js = await fetch(`${consoleUrl}/vendor/uplot.js`);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.match(js.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.match(await js.text(), /export \{ uPlot as default \}/);
    const css = await fetch(`${consoleUrl}/vendor/uplot.css`);
    assert.match(css.headers.get('content-type') ?? '', /^text\/css/);
    for (const path of ['vendor/uPlot.esm.js', 'vendor/..%2F..%2Fpackage.json', 'vendor/package.json', 'vendor/constructor', 'vendor/toString']) {
      assert.equal((await fetch(`${consoleUrl}/${path}`)).status, 404, path);
    }
  });

  test('the list reads every page of GET /instances', async () => {
    const { page } = browser;
    const count = 53;
    const ids: number[] = [];
    for (let n = 0; n < count; n++) {
      ids.push(await create({ element: { key: 'http' }, name: `paged ${String(n).padStart(2, '0')}`, tags: ['paged'], configuration: { 'base.url': provider.url, 'event.notification.enabled': false, 'event.poller.configuration': contacts } }));
    }
    await openList(page, 'paged', async () => (await page.locator('tbody tr').count()) === count);
    assert.match(await page.locator('caption').first().innerText(), new RegExp(`^${count} of ${count} instances tagged “paged”$`));
    const listed = await page.locator('tbody tr').evaluateAll((rows) => rows.map((r) => Number((r as any).dataset.instanceId)));
    assert.deepEqual([...listed].sort(), [...ids].sort());
  });
});
