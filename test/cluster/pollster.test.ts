/**
 * Pollster on a production-shaped Temporal (test/support/clusterTemporal.ts: the server on PostgreSQL with
 * SQL visibility and 4 history shards, set up as `npm run cluster` does), with two API replicas and two
 * workers as separate processes. The skeleton end to end, listing by search attributes, the codec with
 * the CLI, continue-as-new (the server suggests it after 150 events here) and a callback outage with
 * redelivery.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { temporalCliPath } from '../../scripts/devServer';
import { withPg } from '../../scripts/cluster/postgres';
import { elementsSignature } from '../../core/signature';
import { SEARCH_ATTRIBUTE_TYPES } from '../../contract/searchAttributes';
import { pause, status } from '../../contract/messages';
import { startHttpProvider, type HttpProvider } from '../fakes/httpProvider';
import { startReceiver, type Receiver } from '../fakes/receiver';
import { AUTH, clusterClient, startApiProcess, startWorkerProcess, type ApiProcess } from '../support/clusterPollster';
import { CLUSTER_HISTORY_SHARDS, startClusterTemporal, type ClusterTemporal } from '../support/clusterTemporal';
import { eventually, sleep, type ChildHandle } from '../support/processes';

const run = promisify(execFile);
const SIGNATURE_KEY = 'cluster-signature-key';
const ISO_MS = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";
/** Low enough that an instance polling every 1.2 s continues as new within a minute. */
const SUGGEST_CONTINUE_AS_NEW_AFTER = 150;

function instanceBody(provider: HttpProvider, receiver: Receiver, name: string, tags: string[] = ['cluster']) {
  return {
    element: { key: 'http' },
    name,
    tags,
    configuration: {
      'base.url': provider.url,
      'pagination.type': 'page',
      'event.notification.enabled': true,
      'event.notification.callback.url': receiver.url,
      'event.notification.signature.key': SIGNATURE_KEY,
      'event.poller.refresh_interval': '0.02',
      'event.poller.configuration': {
        contacts: {
          url: `/contacts?updatedSince=\${gmtDate:${ISO_MS}}`,
          idField: 'id',
          pageSize: 2,
          datesConfiguration: { updatedDateField: 'updatedAt', updatedDateFormat: ISO_MS, createdDateField: 'createdAt', createdDateFormat: ISO_MS },
        },
      },
    },
  };
}

/** Event keys `<objectId>:<eventType>@<record updatedAt>` an instance delivered, one entry per delivery. */
function deliveredKeys(receiver: Receiver, instanceId: number): string[] {
  return receiver.received
    .filter((r) => r.body.message.instanceId === instanceId)
    .flatMap((r) => {
      const records = r.body.message.raw[r.body.message.raw.objectType] as { id: string; updatedAt: string }[];
      return r.body.message.events.map((e, i) => `${e.objectId}:${e.eventType}@${records[i]!.updatedAt}`);
    });
}

describe('cluster: Pollster on Temporal with PostgreSQL, two API replicas, two workers', () => {
  let cluster: ClusterTemporal;
  let apiA: ApiProcess;
  let apiB: ApiProcess;
  let workers: ChildHandle[] = [];
  let client: Client;
  let closeClient: () => Promise<void>;
  let provider: HttpProvider;
  const created: number[] = [];

  before(async () => {
    cluster = await startClusterTemporal({ dynamicConfig: `limit.historyCount.suggestContinueAsNew:\n  - value: ${SUGGEST_CONTINUE_AS_NEW_AFTER}\n` });
    const target = { address: cluster.address, namespace: cluster.namespace };
    // Nine delivery retries within about 3 s: the outage test reaches deactivation quickly.
    [apiA, apiB, ...workers] = await Promise.all([
      startApiProcess(target),
      startApiProcess(target),
      startWorkerProcess(target, { POLLSTER_RETRY_SCALE: '0.00001' }),
      startWorkerProcess(target, { POLLSTER_RETRY_SCALE: '0.00001' }),
    ]);
    ({ client, close: closeClient } = await clusterClient(target));
    provider = await startHttpProvider();
  });

  after(async () => {
    for (const id of created) await apiA?.request('DELETE', `/instances/${id}`).catch(() => undefined);
    await Promise.all([apiA?.handle, apiB?.handle, ...workers].filter((h): h is ChildHandle => h !== undefined).map((h) => h.kill()));
    await closeClient?.();
    await provider?.close();
    await cluster?.destroy();
  });

  test('the server keeps its state in PostgreSQL, with SQL visibility and 4 history shards', async () => {
    const info = await client.workflowService.getClusterInfo({});
    assert.equal(info.persistenceStore, 'postgres12');
    assert.match(info.visibilityStore ?? '', /postgres12/);
    assert.equal(info.historyShardCount, CLUSTER_HISTORY_SHARDS);
    const shards = await withPg(cluster.pg, async (c) => (await c.query<{ n: string }>('SELECT count(*) AS n FROM shards')).rows[0]!.n, cluster.databases.main);
    assert.equal(Number(shards), CLUSTER_HISTORY_SHARDS, 'one row per history shard in the database');
    const attributes = (await client.connection.operatorService.listSearchAttributes({ namespace: cluster.namespace })).customAttributes ?? {};
    for (const [name, type] of Object.entries(SEARCH_ATTRIBUTE_TYPES)) {
      const key = `INDEXED_VALUE_TYPE_${type.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}` as keyof typeof proto.temporal.api.enums.v1.IndexedValueType;
      assert.equal(attributes[name], proto.temporal.api.enums.v1.IndexedValueType[key], `search attribute ${name} registered as ${type}`);
    }
  });

  test('two API replicas: a create through one is read at once through the other; one POST sent to both at once makes one instance', async () => {
    const receiver = await startReceiver();
    try {
      const first = await apiA.request('POST', '/instances', instanceBody(provider, receiver, 'replicas'));
      assert.equal(first.status, 200, JSON.stringify(first.body));
      created.push(first.body.id);
      const read = await apiB.request('GET', `/instances/${first.body.id}`);
      assert.equal(read.status, 200, 'readable through the other replica straight away');
      assert.equal(read.body.token, first.body.token);
      assert.equal(read.body.name, 'replicas');

      const body = instanceBody(provider, receiver, 'raced');
      const answers = await Promise.all([apiA, apiB, apiA, apiB].map((api) => api.request('POST', '/instances', body)));
      for (const a of answers) assert.equal(a.status, 200, JSON.stringify(a.body));
      const id = answers[0]!.body.id as number;
      created.push(id);
      assert.deepEqual(new Set(answers.map((a) => `${a.body.id}/${a.body.token}`)).size, 1, 'every answer is the same instance');
      // One workflow run for it, whichever replica started it (visibility catches up within a moment).
      const runs = await eventually(async () => {
        const found: string[] = [];
        for await (const wf of client.workflow.list({ query: `WorkflowId = 'instance-${id}'` })) found.push(wf.runId);
        return found.length > 0 ? found : undefined;
      }, 'the raced instance in visibility');
      assert.equal(runs.length, 1, 'one run');
      const named = (await apiB.request('GET', '/instances')).body.filter((i: { name: string }) => i.name === 'raced');
      assert.equal(named.length, 1, 'one instance listed');
    } finally {
      await receiver.close();
    }
  });

  test('an instance delivers CREATED then UPDATED events, signed, each once, through workers on the cluster', async (t) => {
    const receiver = await startReceiver();
    try {
      const res = await apiA.request('POST', '/instances', instanceBody(provider, receiver, 'skeleton'));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const id = res.body.id as number;
      created.push(id);
      const ada = provider.create('Ada');
      const bob = provider.create('Bob');
      const cy = provider.create('Cy');
      await receiver.waitFor((r) => r.events().length >= 3);
      const updated = provider.update(bob.id, 'Bob B.');
      await receiver.waitFor((r) => r.events().length >= 4);
      // Two polls more: inclusive `updatedSince` windows must not repeat anything.
      const polls = (await client.workflow.getHandle(`instance-${id}`).query(status)).polls;
      await eventually(async () => (await client.workflow.getHandle(`instance-${id}`).query(status)).polls >= polls + 2, 'two more polls');

      assert.deepEqual(
        deliveredKeys(receiver, id).sort(),
        [`${ada.id}:CREATED@${ada.updatedAt}`, `${bob.id}:CREATED@${bob.updatedAt}`, `${cy.id}:CREATED@${cy.updatedAt}`, `${bob.id}:UPDATED@${updated.updatedAt}`].sort(),
        'each event once',
      );
      for (const r of receiver.received) {
        assert.equal(r.headers['elements-webhook-signature'], elementsSignature(SIGNATURE_KEY, r.raw));
        assert.equal(r.headers['elements-webhook-id'], r.body.id);
        assert.equal(r.body.message.instanceId, id);
      }
      const poller = await apiB.request('GET', `/instances/${id}/poller`);
      assert.equal(poller.status, 200);
      assert.equal(poller.body.resources.contacts.events, 4);
      t.diagnostic(`4 events in ${receiver.received.length} notifications over ${(await client.workflow.getHandle(`instance-${id}`).query(status)).polls} polls`);
    } finally {
      await receiver.close();
    }
  });

  test('instances are listed by each search attribute, from SQL visibility in PostgreSQL', async () => {
    const receiver = await startReceiver();
    try {
      const tag = `listing-${Date.now()}`;
      const before = new Date(Date.now() - 1000).toISOString();
      const res = await apiA.request('POST', '/instances', instanceBody(provider, receiver, 'listed', [tag, 'cluster']));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const id = res.body.id as number;
      created.push(id);
      const workflowId = `instance-${id}`;
      const list = async (query: string): Promise<string[]> => {
        const ids: string[] = [];
        for await (const wf of client.workflow.list({ query: `ExecutionStatus = 'Running' AND ${query}` })) ids.push(wf.workflowId);
        return ids;
      };
      const all = `ElementKey = 'http' AND InstanceName = 'listed' AND InstanceTags = '${tag}' AND EventsEnabled = true AND PollerState = 'waiting' AND LastPollAt > '${before}'`;
      assert.deepEqual(await eventually(async () => ((await list(all)).length > 0 ? list(all) : undefined), 'the instance under every attribute at once'), [workflowId]);
      assert.deepEqual(await list(`InstanceTags = '${tag}' AND PollerState = 'paused'`), [], 'not listed under a state it is not in');

      // The API lists by tags through the other replica.
      const byTag = await apiB.request('GET', `/instances?tags[]=${encodeURIComponent(tag)}`);
      assert.equal(byTag.status, 200);
      assert.deepEqual(byTag.body.map((i: { id: number }) => i.id), [id]);

      // A state change reaches visibility: paused, it is listed as paused.
      await client.workflow.getHandle(workflowId).signal(pause);
      await eventually(async () => (await list(`InstanceTags = '${tag}' AND PollerState = 'paused'`)).includes(workflowId), 'the paused instance under PollerState');
      // And the rows are PostgreSQL's: the visibility database holds the run with its attributes.
      const row = await withPg(
        cluster.pg,
        async (c) => (await c.query<{ search_attributes: Record<string, unknown> }>('SELECT search_attributes FROM executions_visibility WHERE workflow_id = $1 AND status = 1', [workflowId])).rows,
        cluster.databases.visibility,
      );
      assert.equal(row.length, 1);
      assert.equal(JSON.stringify(row[0]!.search_attributes).includes(tag), true, 'the tag is stored in the visibility row');
    } finally {
      await receiver.close();
    }
  });

  test('the CLI reads what Pollster encrypted only through the API codec endpoint', async () => {
    const receiver = await startReceiver();
    try {
      const res = await apiA.request('POST', '/instances', instanceBody(provider, receiver, 'codec'));
      const id = res.body.id as number;
      created.push(id);
      await eventually(async () => (await client.workflow.getHandle(`instance-${id}`).query(status)).polls >= 1, 'a poll');
      const cli = temporalCliPath();
      const base = ['workflow', 'query', '--address', cluster.address, '--namespace', cluster.namespace, '--workflow-id', `instance-${id}`, '--name', 'status', '--output', 'json'];
      const decoded = JSON.parse((await run(cli, [...base, '--codec-endpoint', `${apiB.url}/codec`, '--codec-auth', AUTH])).stdout);
      const result = decoded.queryResult[0];
      assert.equal(typeof result.polls, 'number');
      assert.ok(result.polls >= 1);
      assert.ok(result.resources.contacts, 'the status of the instance, in clear');
      const raw = (await run(cli, base)).stdout;
      assert.doesNotMatch(raw, /"polls"/, 'without the codec the CLI sees ciphertext');
      assert.match(raw, /binary\/encrypted|YmluYXJ5L2VuY3J5cHRlZA/, 'the payload is marked encrypted');
    } finally {
      await receiver.close();
    }
  });

  test('an instance continues as new when the server suggests it, keeping its checkpoint, counts and search attributes', async (t) => {
    const receiver = await startReceiver();
    try {
      const res = await apiA.request('POST', '/instances', instanceBody(provider, receiver, 'continued', ['continued']));
      const id = res.body.id as number;
      created.push(id);
      const handle = client.workflow.getHandle(`instance-${id}`);
      const firstRun = (await handle.describe()).runId;
      const early = provider.create('before the new run');
      await receiver.waitFor(() => deliveredKeys(receiver, id).length >= 1);
      await eventually(async () => (await client.workflow.getHandle(`instance-${id}`, firstRun).describe()).status.name === 'CONTINUED_AS_NEW', 'a continue-as-new', 120_000, 500);
      const before = await client.workflow.getHandle(`instance-${id}`, firstRun).fetchHistory();
      const secondRun = (await handle.describe()).runId;
      assert.notEqual(secondRun, firstRun);
      assert.ok((before.events ?? []).length >= SUGGEST_CONTINUE_AS_NEW_AFTER, 'the first run ended after the suggested length');

      const st = await handle.query(status);
      assert.ok(st.polls >= 1, 'the poll count is carried into the new run');
      assert.ok(st.resources['contacts']?.checkpoint, 'the checkpoint is carried');
      const late = provider.create('after the new run');
      await receiver.waitFor(() => deliveredKeys(receiver, id).length >= 2);
      await sleep(2500); // two more polls: nothing is sent again
      assert.deepEqual(deliveredKeys(receiver, id).sort(), [`${early.id}:CREATED@${early.updatedAt}`, `${late.id}:CREATED@${late.updatedAt}`].sort());

      const read = await apiB.request('GET', `/instances/${id}`);
      assert.equal(read.status, 200);
      assert.equal(read.body.name, 'continued');
      const listed = await eventually(async () => {
        const runs: string[] = [];
        for await (const wf of client.workflow.list({ query: `InstanceTags = 'continued' AND ExecutionStatus = 'Running'` })) runs.push(wf.runId);
        return runs.length === 1 && runs[0] !== firstRun ? runs : undefined;
      }, 'the new run listed by its search attributes');
      assert.ok(listed.length === 1);
      t.diagnostic(`first run ended after ${(before.events ?? []).length} events; ${st.polls} polls carried over; 2 events, each once`);
    } finally {
      await receiver.close();
    }
  });

  test('a callback outage: retries, deactivation, the queue, then PUT redelivers every event once, in order', async (t) => {
    const receiver = await startReceiver();
    receiver.respondWith(500);
    try {
      const res = await apiA.request('POST', '/instances', instanceBody(provider, receiver, 'outage'));
      const id = res.body.id as number;
      created.push(id);
      const first = provider.create('o1').id;
      const where = encodeURIComponent(`channel='webhook' and status='queued' and config.url='${receiver.url}'`);
      const queued = await eventually(async () => {
        const q = await apiB.request('GET', `/notifications/subscriptions/deliveries?where=${where}`);
        return q.body.length > 0 ? q.body : undefined;
      }, 'a queued delivery', 60_000);
      assert.equal(receiver.attempts, 10, 'one attempt and nine retries');
      assert.equal(queued[0].payload.message.events[0].objectId, first);

      // Later changes queue behind it without being attempted.
      const second = provider.create('o2').id;
      await eventually(async () => ((await apiA.request('GET', `/notifications/subscriptions/deliveries?where=${where}`)).body.length === 2 ? true : undefined), 'the later change queued');
      assert.equal(receiver.attempts, 10);

      receiver.respondWith(200);
      const put = await apiB.request('PUT', `/notifications/subscriptions/deliveries?where=${where}`);
      assert.equal(put.status, 200);
      assert.equal(put.body.length, 2);
      await receiver.waitFor((r) => r.events().length >= 2);
      const third = provider.create('o3').id;
      await receiver.waitFor((r) => r.events().length >= 3);
      await sleep(1500);
      assert.deepEqual(
        receiver.events().map((e) => e.objectId),
        [first, second, third],
        'each event once, in the order of the changes',
      );
      assert.equal((await apiA.request('GET', `/notifications/subscriptions/deliveries?where=${where}`)).body.length, 0);
      t.diagnostic(`3 events, each once, after ${receiver.attempts} delivery attempts (10 refused before the subscription was deactivated)`);
    } finally {
      await receiver.close();
    }
  });
});
