/**
 * The console's finish, in headless Chromium against a real API, worker and Temporal dev server, with
 * the browser in a zone that is not UTC (Asia/Kolkata, +05:30): times carry their zone, counts their
 * plurals, no heading is said twice, deliveries name their instance, the form shows and requires
 * what the element's check in the API requires, new and edited instances show the same defaults,
 * and messages cover nothing. Each view is written to test-output/.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { type HttpProvider } from '../fakes/httpProvider';
import { startReceiver, type Receiver } from '../fakes/receiver';
import { type RunningApi } from '../support/pollster';
import { until, type Browser } from './browser';
import { signIn, startConsoleStack, type ConsoleStack } from './consoleStack';

const ZONE = 'Asia/Kolkata';
const OFFSET = '+05:30';
const FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";
const contacts = {
  contacts: {
    url: `/contacts?updatedSince=\${gmtDate:${FORMAT}}`,
    idField: 'id',
    datesConfiguration: { updatedDateField: 'updatedAt', updatedDateFormat: FORMAT, createdDateField: 'createdAt', createdDateFormat: FORMAT },
  },
};

/** Every `<time>` in the view: the text shown and the instant it stands for. */
const timesIn = (page: Page): Promise<{ text: string; iso: string }[]> =>
  page.evaluate(() =>
    Array.from((globalThis as any).document.querySelectorAll('main time') as ArrayLike<any>, (t) => ({ text: String(t.firstChild.textContent).trim(), iso: String(t.getAttribute('datetime')) })),
  );

/** Each time shows the browser's wall time with its offset, and that is the instant (to the second). */
async function assertZonedTimes(page: Page, where: string): Promise<void> {
  const times = await timesIn(page);
  assert.ok(times.length > 0, `${where}: some times are shown`);
  for (const { text, iso } of times) {
    const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d) UTC([+-]\d\d:\d\d)$/.exec(text);
    assert.ok(m, `${where}: "${text}" shows its zone`);
    assert.equal(m[3], OFFSET, `${where}: "${text}" is in the browser's zone`);
    assert.equal(Date.parse(`${m[1]}T${m[2]}${m[3]}`), Math.floor(Date.parse(iso) / 1000) * 1000, `${where}: "${text}" is ${iso}`);
  }
}

/**
 * A heading (or legend) followed by a heading, legend, caption or label that says it again, e.g. a
 * section "Refresh interval" whose first field is "Refresh interval (minutes)".
 */
const repeatedHeadings = (page: Page): Promise<string[]> =>
  page.evaluate(() => {
    // (No named functions in here: the test's compiler would wrap them in a helper the page does not have.)
    const doc = (globalThis as any).document;
    const items = Array.from(doc.querySelectorAll('main h1, main h2, main h3, main legend, main caption, main label') as ArrayLike<any>).filter((el) => !el.closest('[hidden]') && el.getClientRects().length > 0);
    const words = items.map((el) => String(el.textContent).replace(/\(.*?\)/g, '').replace(/\s+/g, ' ').trim().toLowerCase());
    const repeats: string[] = [];
    for (let i = 1; i < items.length; i++) {
      const [prev, cur] = [items[i - 1], items[i]];
      if (!/^(H[1-3]|LEGEND)$/.test(prev.tagName) || prev.contains(cur)) continue;
      const [a, b] = [words[i - 1]!, words[i]!];
      if (a && b && (a.startsWith(b) || b.startsWith(a))) repeats.push(`${prev.textContent.trim()} / ${cur.textContent.trim()}`);
    }
    return repeats;
  });

/** Controls in the view, in the viewport below the header, that something else is drawn over. */
const coveredControls = (page: Page): Promise<string[]> =>
  page.evaluate(() => {
    const win = globalThis as any;
    const doc = win.document;
    const headerBottom = doc.querySelector('header').getBoundingClientRect().bottom;
    const covered: string[] = [];
    for (const el of Array.from(doc.querySelectorAll('main a, main button, main input, main select, main textarea, main summary') as ArrayLike<any>)) {
      const b = el.getBoundingClientRect();
      if (b.width === 0 || b.height === 0) continue;
      const [x, y] = [b.left + b.width / 2, b.top + b.height / 2];
      if (y <= headerBottom || y >= win.innerHeight || x <= 0 || x >= win.innerWidth) continue;
      const drawn = doc.elementFromPoint(x, y);
      if (drawn && !el.contains(drawn) && !drawn.contains(el)) covered.push(`${el.tagName} "${String(el.textContent || el.id).trim().slice(0, 40)}" under ${drawn.tagName}#${drawn.id}.${drawn.className}`);
    }
    return covered;
  });

type Box = { top: number; bottom: number; left: number; right: number };
const boxes = (page: Page): Promise<{ toast: Box; header: Box; main: Box; height: number }> =>
  page.evaluate(() => {
    const win = globalThis as any;
    const [toast, header, main] = [win.document.getElementById('toast'), win.document.querySelector('header'), win.document.getElementById('main')].map((el): Box => {
      const b = el.getBoundingClientRect();
      return { top: b.top, bottom: b.bottom, left: b.left, right: b.right };
    }) as [Box, Box, Box];
    return { toast, header, main, height: win.innerHeight };
  });

const scrollTo = (page: Page, where: 'top' | 'bottom'): Promise<void> =>
  page.evaluate((w) => {
    const win = globalThis as any;
    win.scrollTo(0, w === 'top' ? 0 : win.document.documentElement.scrollHeight);
  }, where);

describe('web console polish', () => {
  let api: RunningApi;
  let provider: HttpProvider;
  let receiver: Receiver;
  let browser: Browser;
  let consoleUrl: string;
  let running: ConsoleStack | undefined;
  const closers: (() => Promise<unknown>)[] = [];

  before(async () => {
    running = await startConsoleStack({ timezoneId: ZONE });
    ({ browser, api, provider, receiver, consoleUrl } = running);
    await signIn(browser.page, consoleUrl);
  });

  after(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await running?.stop();
  });

  /** An http instance of the contacts resource, created through the API. */
  async function createInstance(name: string, configuration: Record<string, unknown> = {}): Promise<number> {
    const res = await api.request('POST', '/instances', {
      element: { key: 'http' },
      name,
      configuration: {
        'base.url': provider.url,
        'event.notification.enabled': true,
        'event.notification.callback.url': receiver.url,
        'event.poller.refresh_interval': '30',
        'event.poller.configuration': contacts,
        ...configuration,
      },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.id;
  }

  /** Polls now and waits until that poll has ended. */
  async function pollOnce(id: number): Promise<any> {
    const before = (await api.request('GET', `/instances/${id}/poller`)).body.polls ?? 0;
    assert.equal((await api.request('POST', `/instances/${id}/events/poll`)).status, 200);
    let status: any;
    await until(async () => {
      status = (await api.request('GET', `/instances/${id}/poller`)).body;
      return status.polls > before && Boolean(status.lastRun?.endedAt);
    }, `poll ${before + 1} of instance ${id}`);
    return status;
  }

  /** Opens a view afresh (a reload when the address is already there: a changed hash alone renders nothing new). */
  async function open(page: Page, hash: string, heading: string | RegExp): Promise<void> {
    if (page.url() === `${consoleUrl}${hash}`) await page.reload();
    else await page.goto(`${consoleUrl}${hash}`);
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  }

  test('times show their zone: wall time in the browser’s zone with its offset, on every view', async () => {
    const { page } = browser;
    const id = await createInstance('polish times');
    await pollOnce(id); // its checkpoint is set: a record made now is read by the next poll
    provider.create('Ada Lovelace');
    await pollOnce(id);
    await open(page, `#/instances/${id}`, /polish times/);
    await page.locator('table', { hasText: 'Checkpoints' }).getByRole('rowheader', { name: 'contacts' }).waitFor();
    await assertZonedTimes(page, 'instance view');
    await browser.screenshot('console-polish-1-times-with-zone.png');

    await open(page, '#/instances', 'Instances');
    await until(async () => {
      if (await page.locator(`tr[data-instance-id="${id}"] time`).count()) return true;
      await page.getByRole('button', { name: 'Refresh' }).click();
      return false;
    }, 'the instance listed with its poll times');
    await assertZonedTimes(page, 'instance list');
  });

  test('plurals: "1 record, 1 event", "1 minute", "1 delivery"', async () => {
    const { page } = browser;
    const id = await createInstance('polish plurals');
    await pollOnce(id); // its checkpoint is set: a record made now is read by the next poll
    provider.create('Grace Hopper');
    const status = await pollOnce(id);
    assert.equal(status.lastRun.records, 1, 'the poll read one record');
    await open(page, `#/instances/${id}`, /polish plurals/);
    const lastPoll = page.locator('dd', { hasText: /record/ });
    await lastPoll.waitFor();
    assert.match(await lastPoll.innerText(), / — 1 record, 1 event$/);

    await page.getByLabel('Refresh interval (minutes)', { exact: true }).fill('1');
    await page.getByRole('button', { name: 'Change interval' }).click();
    await page.getByRole('status').getByText('Interval set to 1 minute.', { exact: true }).waitFor();
    await browser.screenshot('console-polish-2-plurals.png');
    // The delivery caption is checked with the deliveries below ("1 delivery").
  });

  test('no heading is said twice: the interval section is labelled once, and the interval is one fact', async () => {
    const { page } = browser;
    const id = await createInstance('polish headings');
    await open(page, `#/instances/${id}`, /polish headings/);
    await page.getByRole('heading', { level: 2, name: 'Poller and checkpoints' }).waitFor();
    await page.locator('[data-testid="poller-interval"]').waitFor();
    assert.deepEqual(await repeatedHeadings(page), [], 'instance view');
    assert.equal(await page.locator('dt', { hasText: /^Interval$/ }).count(), 1, 'the interval is shown once as a fact (the poller’s), once as the field');
    assert.equal(await page.getByRole('spinbutton', { name: 'Refresh interval (minutes)' }).inputValue(), '30');
    await browser.screenshot('console-polish-3-no-repeated-heading.png');
    for (const [hash, heading] of [['#/instances', 'Instances'], ['#/new', 'New element instance'], ['#/deliveries', 'Deliveries']] as const) {
      await open(page, hash, heading);
      assert.deepEqual(await repeatedHeadings(page), [], hash);
    }
  });

  test('deliveries show the instance’s name, with its id; a deleted instance keeps its id', async () => {
    const { page } = browser;
    const hook = await startReceiver();
    closers.push(() => hook.close());
    hook.respondWith(503);
    assert.equal((await api.request('PATCH', '/accounts/settings', { 'notification.webhook.failure.policy': 'queue' })).status, 200);
    const id = await createInstance('polish names', { 'event.notification.callback.url': hook.url });
    await pollOnce(id); // its checkpoint is set: a record made now is read by the next poll
    provider.create('Katherine Johnson');
    await pollOnce(id);
    await until(async () => (await api.request('GET', `/notifications/subscriptions/deliveries?where=${encodeURIComponent(`status='queued' and config.url='${hook.url}'`)}`)).body.length > 0, 'a queued delivery');

    await open(page, '#/deliveries', 'Deliveries');
    const group = page.locator(`section[data-url="${hook.url}"]`);
    const row = group.locator('tr[data-status="queued"]').first();
    await row.waitFor();
    const link = row.getByRole('link', { name: 'polish names' });
    assert.equal(await link.getAttribute('href'), `#/instances/${id}`);
    assert.match(await row.innerText(), new RegExp(`polish names\\s+#${id}`));
    assert.equal(await group.locator('caption').innerText(), '1 delivery');
    await assertZonedTimes(page, 'deliveries');
    await browser.screenshot('console-polish-4-delivery-instance-name.png');

    assert.equal((await api.request('DELETE', `/instances/${id}`)).status, 200);
    await until(async () => {
      await page.getByRole('button', { name: 'Refresh' }).click();
      return /deleted/.test(await group.locator('tr[data-status="queued"]').first().innerText());
    }, 'the delivery of the deleted instance');
    const gone = group.locator('tr[data-status="queued"]').first();
    assert.match(await gone.innerText(), new RegExp(`#${id},?\\s+deleted`));
    assert.equal(await gone.getByRole('link', { name: 'polish names' }).count(), 0, 'no link to an instance that is gone');
    await api.request('PATCH', '/accounts/settings', { 'notification.webhook.failure.policy': 'retry' });
  });

  test('Sage CRM: the subdomain is required only without base.url, as the API requires it', async () => {
    const { page } = browser;
    await open(page, '#/new', 'New element instance');
    await page.getByLabel('Element (required)', { exact: true }).selectOption('sagecrm');
    const required = page.getByLabel('Subdomain (subdomain) (required)', { exact: true });
    await required.waitFor();
    assert.equal(await required.getAttribute('aria-required'), 'true');
    await page.getByLabel('API root (base.url)').fill('http://127.0.0.1:9');
    const optional = page.getByLabel('Subdomain (subdomain)', { exact: true });
    await optional.waitFor();
    assert.equal(await optional.getAttribute('aria-required'), null);
    await page.getByLabel('Instance name').fill('polish sage');
    await page.getByLabel('Username (username) (required)', { exact: true }).fill('sage');
    await page.getByLabel('Password (password) (required)', { exact: true }).fill('secret');
    await page.getByLabel('Enable events (poll the element and send notifications)').uncheck();
    await browser.screenshot('console-polish-5-sage-subdomain-optional.png');

    // Without base.url it is required again, and Create says so without asking the API.
    await page.getByLabel('API root (base.url)').fill('');
    await page.getByRole('button', { name: 'Create instance' }).click();
    await page.getByRole('heading', { name: 'One problem to fix before creating' }).waitFor();
    await page.getByRole('link', { name: 'Subdomain: required' }).waitFor();

    // With base.url and no subdomain, the API takes it.
    await page.getByLabel('API root (base.url)').fill('http://127.0.0.1:9');
    await page.getByRole('button', { name: 'Create instance' }).click();
    await page.waitForURL(/#\/instances\/\d+$/);
    const id = Number(/#\/instances\/(\d+)$/.exec(page.url())?.[1]);
    const created = (await api.request('GET', `/instances/${id}`)).body;
    assert.equal(created.element.key, 'sagecrm');
    assert.equal(created.configuration['base.url'], 'http://127.0.0.1:9');
    assert.equal(created.configuration.subdomain, undefined);
  });

  test('a new instance starts as http at 5 minutes, and its form shows only the fields of the chosen auth.type', async () => {
    const { page } = browser;
    await open(page, '#/new', 'New element instance');
    const element = page.getByLabel('Element (required)', { exact: true });
    await page.getByLabel('Base URL (base.url) (required)', { exact: true }).waitFor();
    assert.equal(await element.inputValue(), 'http');
    assert.equal(await page.getByLabel('Refresh interval (minutes)', { exact: true }).inputValue(), '5');

    const authFields = ['Username (basic) (username)', 'Password (basic) (password)', 'Bearer token (auth.token)', 'Header name (auth.header.name)', 'Header value (auth.header.value)'];
    const shown = async () => {
      const visible: string[] = [];
      for (const name of authFields) if (await page.getByLabel(new RegExp(`^${name.replace(/[()]/g, '\\$&')}`)).isVisible()) visible.push(name);
      return visible;
    };
    const authType = page.getByLabel('Authentication (auth.type)', { exact: true });
    assert.deepEqual(await shown(), [], 'auth.type none: no credentials');
    await authType.selectOption('basic');
    assert.deepEqual(await shown(), authFields.slice(0, 2));
    await page.getByLabel('Username (basic) (username) (required)', { exact: true }).fill('ada');
    await authType.selectOption('header');
    assert.deepEqual(await shown(), authFields.slice(3));
    await authType.selectOption('bearer');
    assert.deepEqual(await shown(), [authFields[2]]);
    await page.getByLabel('Bearer token (auth.token) (required)', { exact: true }).fill('token-1');
    // Paging fields follow pagination.type the same way.
    assert.equal(await page.getByLabel('Page parameter (pagination.page.param)').isVisible(), false);
    await page.getByLabel('Pagination (pagination.type)').selectOption('page');
    assert.equal(await page.getByLabel('Page parameter (pagination.page.param)').isVisible(), true);
    assert.equal(await page.getByLabel('JSON path of the next cursor (pagination.cursor.path)').isVisible(), false);

    await page.getByLabel('Base URL (base.url) (required)', { exact: true }).fill(provider.url);
    await page.getByLabel('Instance name').fill('polish bearer');
    await page.getByLabel('Enable events (poll the element and send notifications)').uncheck();
    await browser.screenshot('console-polish-6-http-bearer-fields.png');
    await page.getByRole('button', { name: 'Create instance' }).click();
    await page.waitForURL(/#\/instances\/\d+$/);
    const id = Number(/#\/instances\/(\d+)$/.exec(page.url())?.[1]);
    const c = (await api.request('GET', `/instances/${id}`)).body.configuration;
    assert.equal(c['auth.type'], 'bearer');
    assert.equal(c['auth.token'], '********');
    assert.equal(c.username, undefined, 'the basic username typed before switching is not sent');
  });

  test('the edit form shows the same defaults as the create form (page and page-size parameters)', async () => {
    const { page } = browser;
    const paging = ['Page parameter (pagination.page.param)', 'Page size parameter (pagination.size.param)'];
    await open(page, '#/new', 'New element instance');
    await page.getByLabel('Pagination (pagination.type)').selectOption('page');
    const created: string[] = [];
    for (const label of paging) created.push(await page.getByLabel(label).inputValue());
    assert.deepEqual(created, ['page', 'pageSize']);

    const id = await createInstance('polish edit', { 'pagination.type': 'page' });
    assert.equal((await api.request('GET', `/instances/${id}`)).body.configuration['pagination.page.param'], undefined, 'never stored');
    await open(page, `#/instances/${id}/edit`, 'Edit polish edit');
    const edited: string[] = [];
    for (const label of paging) edited.push(await page.getByLabel(label).inputValue());
    assert.deepEqual(edited, created);
    await browser.screenshot('console-polish-7-edit-defaults.png');
  });

  test('messages sit in the header: they cover no content, stay in view when scrolled, and can be dismissed', async () => {
    const { page } = browser;
    const id = await createInstance('polish toast');
    await pollOnce(id); // its checkpoint is set: a record made now is read by the next poll
    provider.create('Dorothy Vaughan');
    await pollOnce(id);
    await open(page, `#/instances/${id}`, /polish toast/);
    await page.locator('tr[data-notification-id]').first().waitFor();
    await page.getByRole('button', { name: 'Pause' }).click();
    const message = page.getByRole('status');
    await message.getByText('Paused: no polls until resumed.').waitFor();

    let b = await boxes(page);
    assert.ok(b.toast.top >= b.header.top && b.toast.bottom <= b.header.bottom, `the message is inside the header: ${JSON.stringify(b)}`);
    assert.ok(b.header.bottom <= b.main.top + 1, 'the header is above the content, not over it');
    assert.deepEqual(await coveredControls(page), [], 'nothing is drawn over a control (top of the page)');
    await browser.screenshot('console-polish-8-message-in-header.png');

    await scrollTo(page, 'bottom');
    b = await boxes(page);
    assert.ok(b.toast.top >= 0 && b.toast.bottom <= b.height, 'scrolled down, the message is still in view');
    assert.deepEqual(await coveredControls(page), [], 'nothing is drawn over a control (bottom of the page)');

    await page.getByRole('button', { name: 'Dismiss the message' }).click();
    assert.equal(await message.innerText(), '');
    assert.equal(await page.getByRole('button', { name: 'Dismiss the message' }).isVisible(), false);
    // A narrow window: the header wraps, the message takes a row of its own, still covering nothing.
    await scrollTo(page, 'top');
    await page.setViewportSize({ width: 600, height: 800 });
    try {
      await page.getByRole('button', { name: 'Resume' }).click();
      await message.getByText('Resumed: polling again.').waitFor();
      b = await boxes(page);
      assert.ok(b.toast.top >= b.header.top && b.toast.bottom <= b.header.bottom, `narrow: the message is inside the header: ${JSON.stringify(b)}`);
      assert.ok(b.header.bottom <= b.main.top + 1, 'narrow: the header is above the content');
      assert.deepEqual(await coveredControls(page), [], 'narrow: nothing is drawn over a control');
      await browser.screenshot('console-polish-9-message-narrow.png');
    } finally {
      await page.setViewportSize({ width: 1366, height: 900 });
    }
    // 404: the deleted instance's name, looked up for its delivery.
    assert.deepEqual(browser.pageErrors.filter((e) => !/status of 40[014]/.test(e)), [], 'no script errors');
  });
});
