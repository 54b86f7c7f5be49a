/**
 * Hostile providers against a running worker (real dev server, worker and API in this process): an
 * endless answer and a page of a million records each fail their own resource with an error that
 * names the limit, while a healthy instance on the same worker keeps delivering. The failure's text
 * is encrypted in history like every other payload. The process's memory is reported, not asserted.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { codecFromEnv } from '../../temporal/codec';
import { startHostileProvider, type HostileMode, type HostileProvider } from '../fakes/hostileProvider';
import type { HttpProvider } from '../fakes/httpProvider';
import type { Receiver } from '../fakes/receiver';
import type { RunningApi } from '../support/pollster';
import { eventually } from '../support/processes';
import { startStack, type Stack } from '../support/stack';

const DATE_FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";
const mb = (n: number): string => `${(n / 1024 / 1024).toFixed(0)} MB`;

function healthyInstance(provider: HttpProvider, receiver: Receiver) {
  return {
    element: { key: 'http' },
    name: 'healthy neighbour',
    configuration: {
      'base.url': provider.url,
      'pagination.type': 'page',
      'event.notification.enabled': true,
      'event.notification.callback.url': receiver.url,
      'event.poller.refresh_interval': '0.02',
      'event.poller.configuration': {
        contacts: {
          url: `/contacts?updatedSince=\${gmtDate:${DATE_FORMAT}}`,
          idField: 'id',
          pageSize: 50,
          datesConfiguration: { updatedDateField: 'updatedAt', updatedDateFormat: DATE_FORMAT, createdDateField: 'createdAt', createdDateFormat: DATE_FORMAT },
        },
      },
    },
  };
}

function hostileInstance(hostile: HostileProvider, mode: HostileMode, receiver: Receiver) {
  return {
    element: { key: 'http' },
    name: `hostile ${mode}`,
    configuration: {
      'base.url': hostile.url,
      'auth.type': 'bearer',
      'auth.token': 'instance-token',
      'event.notification.enabled': true,
      'event.notification.callback.url': receiver.url,
      'event.poller.refresh_interval': '0.05',
      'event.poller.configuration': { records: { url: `/${mode}`, idField: 'id', filterByUpdatedDate: false } },
    },
  };
}

describe('hostile providers against a running worker', () => {
  let stack: Stack;
  let env: TestWorkflowEnvironment;
  let api: RunningApi;
  let hostile: HostileProvider;
  const hostileIds: Partial<Record<HostileMode, number>> = {};

  before(async () => {
    stack = await startStack();
    ({ env, api } = stack);
    hostile = await startHostileProvider();
  });

  after(async () => {
    for (const id of Object.values(hostileIds)) await api.request('DELETE', `/instances/${id}`);
    await hostile?.close();
    await stack?.stop();
  });

  test('each hostile provider fails its own resource with the limit it hit; a healthy instance keeps delivering', async (t) => {
    const { provider, receiver } = stack;
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50);
    t.after(() => clearInterval(sampler));

    const healthy = await api.request('POST', '/instances', healthyInstance(provider, receiver));
    assert.equal(healthy.status, 200, JSON.stringify(healthy.body));
    const first = provider.create('before the hostile ones');
    await receiver.waitFor((r) => r.events().some((e) => e.objectId === first.id));

    const expected: [HostileMode, RegExp][] = [
      ['endless', /^ProviderRequestError: answer larger than 20971520 bytes \(POLLSTER_PROVIDER_MAX_BYTES\) \(GET http:\/\/127\.0\.0\.1:\d+\/endless[^ )]*\)$/],
      ['million-records', /^ProviderRequestError: page from 127\.0\.0\.1:\d+\/million-records has 1000000 records, more than the 10000 allowed \(POLLSTER_PROVIDER_MAX_RECORDS\)/],
    ];
    for (const [mode] of expected) {
      const created = await api.request('POST', '/instances', hostileInstance(hostile, mode, receiver));
      assert.equal(created.status, 200, JSON.stringify(created.body));
      hostileIds[mode] = created.body.id;
    }
    for (const [mode, message] of expected) {
      const status = await eventually(async () => {
        const res = await api.request('GET', `/instances/${hostileIds[mode]}/poller`);
        return res.body?.resources?.records?.lastError ? res.body : undefined;
      }, `${mode}: the resource's error in /poller`);
      assert.match(status.resources.records.lastError, message, mode);
      t.diagnostic(`${mode}: ${status.resources.records.lastError}`);
      // The instance lives on and polls again (and fails again, the same way).
      const polls: number = status.polls;
      await eventually(async () => (await api.request('GET', `/instances/${hostileIds[mode]}/poller`)).body.polls > polls, `${mode}: polls again`);
    }

    const second = provider.create('after the hostile ones');
    await receiver.waitFor((r) => r.events().some((e) => e.objectId === second.id));
    assert.ok(!receiver.events().some((e) => String(e.objectType) === 'records'), 'nothing from the hostile providers was delivered');
    t.diagnostic(`process RSS (worker and API in it): before ${mb(rssBefore)}, peak ${mb(rssPeak)}, after ${mb(process.memoryUsage().rss)}`);
    await api.request('DELETE', `/instances/${healthy.body.id}`);
  });

  test("a failed poll's provider text is encrypted in history: unreadable without the key, readable with it", async () => {
    const id = hostileIds.endless;
    assert.ok(id, 'the previous test created the endless instance');
    const raw = new Client({ connection: env.connection, namespace: 'default' }); // no codec: what Temporal stores
    const history = await raw.workflow.getHandle(`instance-${id}`).fetchHistory();
    const stored = JSON.stringify(history);
    assert.doesNotMatch(stored, /larger than|POLLSTER_PROVIDER_MAX_BYTES|\/endless/, 'no provider error text in clear anywhere in history');
    // The error reached history as a failed page run (an encoded failure) or as the poll's quick look (a local
    // activity's marker): either way as an encrypted payload, which the key reads.
    const failures = (history.events ?? []).map((e) => e.activityTaskFailedEventAttributes?.failure).filter((f) => f !== undefined && f !== null);
    for (const failure of failures) {
      assert.equal(failure.message, 'Encoded failure');
      assert.equal(failure.stackTrace, '');
      assert.equal(Buffer.from(failure.encodedAttributes?.metadata?.encoding ?? []).toString(), 'binary/encrypted');
    }
    const encrypted = [
      ...failures.map((f) => f.encodedAttributes!),
      ...(history.events ?? []).flatMap((e) => Object.values(e.markerRecordedEventAttributes?.details ?? {}).flatMap((d) => d.payloads ?? [])),
    ].filter((p) => Buffer.from(p.metadata?.encoding ?? []).toString() === 'binary/encrypted');
    const decoded = await codecFromEnv().decode(encrypted as never);
    const texts = decoded.map((p) => Buffer.from(p.data ?? []).toString());
    assert.ok(texts.some((t) => /larger than 20971520 bytes \(POLLSTER_PROVIDER_MAX_BYTES\)/.test(t)), 'the key reads the provider error');
  });
});
