/**
 * The Temporal UI of a dev server started with Pollster's codec endpoint: an instance workflow is
 * found by its search attributes, and its input, encrypted in history, is shown decoded (the UI
 * calls the API's `/codec/<key>/decode`). The console links to that same page.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { FastifyInstance } from 'fastify';
import { Client, Connection } from '@temporalio/client';
import { buildApi, temporalServices } from '../../api/app';
import { codecPathKey } from '../../api/routes/codec';
import { spawnDevServer, waitForTemporal } from '../../scripts/devServer';
import { dataConverterFromEnv } from '../../temporal/codec';
import { createWorker, type PollsterWorker } from '../../workers/worker';
import { startHttpProvider, type HttpProvider } from '../fakes/httpProvider';
import { AUTH, SECRETS } from '../support/pollster';
import { freePort, stopChild } from '../support/processes';
import { workflowBundle } from '../support/temporal';
import { launchBrowser, until, type Browser } from './browser';

describe('Temporal UI with the codec endpoint', () => {
  let browser: Browser;
  let server: ChildProcess | undefined;
  let dir: string;
  let worker: PollsterWorker | undefined;
  let running: Promise<void> | undefined;
  let connection: Connection | undefined;
  let app: FastifyInstance | undefined;
  let provider: HttpProvider;
  let uiUrl: string;
  let apiOrigin: string;
  let client: Client;

  before(async () => {
    browser = await launchBrowser();
    const [port, uiPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const address = `127.0.0.1:${port}`;
    uiUrl = `http://127.0.0.1:${uiPort}`;
    apiOrigin = `http://127.0.0.1:${apiPort}`;
    dir = mkdtempSync(join(tmpdir(), 'pollster-ui-'));
    // The UI cannot send the API's Authorization header: it reaches the codec with the derived path key.
    server = spawnDevServer({ dbFile: join(dir, 'temporal.sqlite'), port, uiPort, codecEndpoint: `${apiOrigin}/elements/api-v2/codec/${codecPathKey(SECRETS)}`, log: 'ignore' });
    await waitForTemporal(address, 'default', 60_000);
    worker = await createWorker({ target: { address, namespace: 'default' }, workflowBundle: await workflowBundle() });
    running = worker.worker.run();
    const dataConverter = dataConverterFromEnv();
    connection = await Connection.connect({ address });
    client = new Client({ connection, namespace: 'default', dataConverter });
    app = await buildApi({ services: temporalServices(client), secrets: SECRETS, codec: dataConverter.payloadCodecs[0], consoleUiUrl: uiUrl });
    await app.listen({ port: apiPort, host: '127.0.0.1' });
    provider = await startHttpProvider();
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    if (worker && worker.worker.getState() === 'RUNNING') worker.worker.shutdown();
    await running?.catch(() => undefined);
    await worker?.close();
    await connection?.close();
    await provider?.close();
    // A throwaway server on a throwaway database: no graceful stop needed (it only logs its goodbyes).
    if (server) await stopChild(server, 'SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('finds an instance workflow by InstanceName and shows its input decoded through the codec', async () => {
    const name = `ui-${randomBytes(4).toString('hex')}`;
    const password = `Pw-${randomBytes(8).toString('hex')}`;
    const res = await fetch(`${apiOrigin}/elements/api-v2/instances`, {
      method: 'POST',
      headers: { authorization: AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({
        element: { key: 'http' },
        name,
        tags: ['ui-test'],
        configuration: { 'base.url': provider.url, 'auth.type': 'basic', username: 'poller', password, 'event.notification.enabled': false },
      }),
    });
    const created = (await res.json()) as { id: number; configuration: Record<string, string> };
    assert.equal(res.status, 200, JSON.stringify(created));
    assert.equal(created.configuration.password, '********');
    const workflowId = `instance-${created.id}`;

    // In history the input is ciphertext: the encrypted encoding, and no password anywhere.
    const raw = new Client({ connection: connection!, namespace: 'default' });
    const history = await raw.workflow.getHandle(workflowId).fetchHistory();
    const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    assert.equal(Buffer.from(input?.metadata?.encoding ?? []).toString(), 'binary/encrypted');
    assert.ok(!JSON.stringify(history).includes(password), 'no password in clear in history');

    // The list, filtered by the search attribute (visibility may lag a moment: reload until listed).
    const { page } = browser;
    const query = `InstanceName = '${name}'`;
    await page.goto(`${uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(query)}`);
    const link = page.getByRole('link', { name: workflowId });
    await until(async () => {
      if (await link.count()) return true;
      await page.reload();
      await page.waitForLoadState('networkidle').catch(() => undefined);
      return false;
    }, `${workflowId} in the Temporal UI list`, 30_000, 1000);
    assert.equal(await page.getByRole('link', { name: /^instance-/ }).count(), 1, 'only the instance of that name is listed');
    await browser.screenshot('temporal-ui-1-list-by-instance-name.png');

    // The workflow: its input decoded by the API's codec endpoint.
    const decodes: string[] = [];
    page.on('request', (r) => {
      if (r.url().startsWith(`${apiOrigin}/elements/api-v2/codec/`) && r.url().endsWith('/decode')) decodes.push(r.url());
    });
    await link.click();
    await page.waitForURL(`${uiUrl}/namespaces/default/workflows/${workflowId}**`);
    await page.getByText('"elementKey": "http"').first().waitFor({ timeout: 30_000 });
    await page.getByText(`"name": "${name}"`).first().waitFor();
    assert.ok(decodes.length > 0, 'the UI asked the codec endpoint');
    const text = await page.locator('body').innerText();
    assert.ok(!text.includes('binary/encrypted'), 'no ciphertext envelope is shown: the payload is decoded');
    assert.match(text, /"configuration": \{/);
    await browser.screenshot('temporal-ui-2-decoded-input.png');

    // The console's "Open in Temporal UI" link is this page.
    await page.goto(`${apiOrigin}/console#/instances/${created.id}`);
    await page.getByLabel('User secret').fill(SECRETS.userSecret);
    await page.getByLabel('Organization secret').fill(SECRETS.organizationSecret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: new RegExp(name) }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Open the workflow in the Temporal UI (new tab)' }).getAttribute('href'), `${uiUrl}/namespaces/default/workflows/${workflowId}`);

    await fetch(`${apiOrigin}/elements/api-v2/instances/${created.id}`, { method: 'DELETE', headers: { authorization: AUTH } });
  });
});
