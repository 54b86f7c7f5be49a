/**
 * Health through the API against a real worker and Temporal dev server, transition by transition: healthy; one of two
 * resources failing (degraded); both (failing); recovered (healthy); credentials refused (failing until the instance
 * is saved with new ones); its callback retrying (degraded) and deactivated (failing), as the subscription reports it
 * with the deliveryHealth signal. Each state shows in GET /instances/{id} with its reasons, in the list (the Health
 * search attribute) and its filter and order, and in /metrics. Poll history shows what each poll asked, and a
 * resource whose provider keeps failing is tried three times in a poll, no more.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { instanceInputSchema, validInstance } from '../../api/instances/validate';
import { instanceIdFor } from '../../api/instances/identity';
import { deliveryHealth } from '../../contract/messages';
import { instanceWorkflowId, TASK_QUEUE, WorkflowType } from '../../contract/names';
import { ElementKey, InstanceName, InstanceTags } from '../../contract/searchAttributes';
import { startHttpProvider, type HttpProvider } from '../fakes/httpProvider';
import { startReceiver, type Receiver } from '../fakes/receiver';
import { startApi, startWorker, type RunningApi, type RunningWorker } from '../support/pollster';
import { eventually } from '../support/processes';
import { startTemporal } from '../support/temporal';

const FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";
const resource = (url: string) => ({
  url,
  idField: 'id',
  datesConfiguration: { updatedDateField: 'updatedAt', updatedDateFormat: FORMAT, createdDateField: 'createdAt', createdDateFormat: FORMAT },
});
/** Two resources on one provider; `people` is told apart by a parameter the provider ignores. */
const twoResources = {
  contacts: resource(`/contacts?updatedSince=\${gmtDate:${FORMAT}}`),
  people: resource(`/contacts?updatedSince=\${gmtDate:${FORMAT}}&kind=people&api_key=people-key-secret`),
};
const isPeople = (url: URL): boolean => url.searchParams.get('kind') === 'people';

describe('health transitions', () => {
  let env: TestWorkflowEnvironment;
  let worker: RunningWorker;
  let api: RunningApi;
  let provider: HttpProvider;
  let receiver: Receiver;

  before(async () => {
    env = await startTemporal();
    worker = await startWorker(env);
    api = await startApi(env, undefined, { store: true });
    provider = await startHttpProvider();
    receiver = await startReceiver();
  });
  after(async () => {
    await api?.close();
    await worker?.stop();
    await provider?.close();
    await receiver?.close();
    await env?.teardown();
  });

  const body = (name: string, extra: Record<string, unknown> = {}) => ({
    element: { key: 'http' },
    name,
    tags: ['health-test', name],
    configuration: {
      'base.url': provider.url,
      'auth.type': 'basic',
      username: 'poller',
      password: 'first-password',
      'event.notification.enabled': true,
      'event.notification.callback.url': receiver.url,
      // Polls only when asked: each step below is one poll.
      'event.poller.refresh_interval': '60',
      'event.poller.configuration': twoResources,
      ...extra,
    },
  });

  const create = async (name: string): Promise<number> => {
    const created = await api.request('POST', '/instances', body(name));
    assert.equal(created.status, 200, JSON.stringify(created.body));
    return created.body.id;
  };

  /** Asks for a poll and waits until it has run; answers the instance as GET /instances/{id} shows it then. */
  const poll = async (id: number): Promise<{ health: { state: string; reasons: string[]; since?: string } }> => {
    const polls: number = (await api.request('GET', `/instances/${id}/poller`)).body.polls;
    assert.equal((await api.request('POST', `/instances/${id}/events/poll`)).status, 200);
    await eventually(async () => (await api.request('GET', `/instances/${id}/poller`)).body.polls > polls, `poll ${polls + 1} of ${id}`);
    return (await api.request('GET', `/instances/${id}`)).body;
  };

  /** The list's view of an instance (the search attribute), once visibility has caught up with `state`. */
  const listedAs = (id: number, state: string, query = '') =>
    eventually(async () => {
      const list = (await api.request('GET', `/instances?tags[]=health-test${query}`)).body as { id: number; health: { state: string } }[];
      return list.find((i) => i.id === id && i.health.state === state) ? list : undefined;
    }, `instance ${id} listed as ${state}`);

  const metricOf = async (state: string): Promise<number> => {
    const text = await (await fetch(`${api.url}/metrics`)).text();
    return Number(new RegExp(`^pollster_instances\\{health="${state}"\\} (\\d+)$`, 'm').exec(text)?.[1]);
  };

  test('healthy → degraded → failing → healthy as the provider fails for one resource, both, then none', async () => {
    const id = await create('transitions');
    const calm = await create('calm');
    assert.deepEqual((await poll(calm)).health.state, 'healthy');

    const healthy = await poll(id);
    assert.deepEqual({ ...healthy.health, since: undefined }, { state: 'healthy', reasons: [], since: undefined });
    await listedAs(id, 'healthy', '&health=healthy');

    provider.failNext(1_000_000, 404, undefined, isPeople);
    const degraded = await poll(id);
    assert.equal(degraded.health.state, 'degraded');
    assert.equal(degraded.health.reasons.length, 1);
    const [reason] = degraded.health.reasons;
    assert.match(reason!, /^people: ProviderRequestError: provider answered 404: injected 404 \(GET http:\/\/127\.0\.0\.1:\d+\/contacts\?updatedSince=[^ ]*&kind=people&api_key=\*\*\*\); the provider has nothing at this URL: check the resource's url/);
    assert.ok(!reason!.includes('people-key-secret'), 'the key in the resource URL is masked');
    await listedAs(id, 'degraded', '&health=degraded');
    assert.ok(!(await api.request('GET', '/instances?tags[]=health-test&health=healthy')).body.some((i: { id: number }) => i.id === id), 'not listed as healthy');

    provider.failNext(1_000_000, 404);
    const failing = await poll(id);
    assert.equal(failing.health.state, 'failing');
    assert.deepEqual(failing.health.reasons.map((r) => r.split(':')[0]), ['contacts', 'people']);
    await listedAs(id, 'failing', '&health=failing');
    // Worst first: the failing instance before the healthy one.
    const ordered = (await api.request('GET', '/instances?tags[]=health-test&orderBy=health')).body.map((i: { id: number }) => i.id);
    assert.ok(ordered.indexOf(id) < ordered.indexOf(calm), `failing first: ${ordered}`);
    await eventually(async () => (await metricOf('failing')) >= 1 && (await metricOf('healthy')) >= 1, '/metrics counts a failing and a healthy instance', 30_000, 500);

    provider.failNext(0, 200);
    const recovered = await poll(id);
    assert.equal(recovered.health.state, 'healthy');
    assert.deepEqual(recovered.health.reasons, []);
    assert.ok(recovered.health.since! > failing.health.since!, 'since moves with the state');
    await listedAs(id, 'healthy', '&health=healthy');
  });

  test('credentials refused: failing until the instance is saved with new ones', async () => {
    const id = await create('refused');
    assert.equal((await poll(id)).health.state, 'healthy');
    provider.failNext(1_000_000, 401);
    const refused = await poll(id);
    assert.equal(refused.health.state, 'failing');
    assert.match(refused.health.reasons[0]!, /^the provider refused the credentials: .*provider answered 401: injected 401 .*check the username and password/);
    await listedAs(id, 'failing', '&health=failing');

    // The provider takes them again, but polling waits for new credentials.
    provider.failNext(0, 200);
    assert.equal((await poll(id)).health.state, 'failing');
    assert.equal((await api.request('PATCH', `/instances/${id}`, { configuration: { password: 'second-password' } })).status, 200);
    assert.equal((await poll(id)).health.state, 'healthy');
    await listedAs(id, 'healthy', '&health=healthy');
  });

  test('a callback retrying is degraded, deactivated is failing, active again is healthy', async () => {
    const id = await create('callback');
    assert.equal((await poll(id)).health.state, 'healthy');
    const handle = api.client.workflow.getHandle(instanceWorkflowId(id));
    const report = async (state: 'active' | 'retrying' | 'deactivated', lastError?: string) => {
      await handle.signal(deliveryHealth, { callbackUrl: receiver.url, state, lastError, atMs: Date.now() });
      return eventually(async () => {
        const { body: instance } = await api.request('GET', `/instances/${id}`);
        return instance.health.state === { active: 'healthy', retrying: 'degraded', deactivated: 'failing' }[state] ? instance.health : undefined;
      }, `health after the callback is ${state}`);
    };
    const retrying = await report('retrying', 'callback answered 503');
    assert.deepEqual(retrying.reasons, [`deliveries to ${receiver.url} are being retried: callback answered 503`]);
    await listedAs(id, 'degraded', '&health=degraded');
    const deactivated = await report('deactivated', 'callback answered 503');
    assert.match(deactivated.reasons[0], /^deliveries to .* are stopped: callback answered 503 \(fix the receiver, then redeliver\)$/);
    await listedAs(id, 'failing', '&health=failing');
    assert.deepEqual((await report('active')).reasons, []);
    await listedAs(id, 'healthy', '&health=healthy');
  });

  test('an instance started before health existed lists as healthy', async () => {
    // As the previous release started instances: no Health search attribute, and nothing since has judged it.
    const valid = await validInstance(instanceInputSchema.parse(body('older')));
    const id = instanceIdFor(valid.spec);
    const record = { id, token: 'older-token', createdDate: new Date().toISOString(), spec: valid.spec };
    await api.client.workflow.start(WorkflowType.instance, {
      workflowId: instanceWorkflowId(id),
      taskQueue: TASK_QUEUE,
      args: [{ instance: record, settings: valid.settings }],
      memo: { instance: record },
      typedSearchAttributes: [
        { key: ElementKey, value: 'http' },
        { key: InstanceName, value: 'older' },
        { key: InstanceTags, value: valid.spec.tags },
      ],
    });
    const listed = await listedAs(id, 'healthy', '&health=healthy');
    assert.ok(listed.some((i) => i.id === id));
    assert.ok(!(await api.request('GET', '/instances?tags[]=older&health=degraded,failing')).body.some((i: { id: number }) => i.id === id));
    assert.deepEqual((await api.request('GET', `/instances/${id}`)).body.health.state, 'healthy');
  });

  test('poll history: each poll with its requests, masked; a failing resource is tried three times, the others go on', async () => {
    const id = await create('history');
    await poll(id);
    provider.create('one for the history');
    await poll(id);
    // Unavailable (retried) for people only.
    provider.failNext(1_000_000, 503, undefined, isPeople);
    await poll(id);
    provider.failNext(0, 200);

    const res = await api.request('GET', `/instances/${id}/polls?limit=2`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const [latest, earlier] = res.body;
    assert.equal(res.body.length, 2);
    assert.ok(latest.startedAt > earlier.startedAt, 'newest first');

    const contacts = earlier.resources.find((r: { resource: string }) => r.resource === 'contacts');
    assert.equal(contacts.events, 1);
    assert.equal(contacts.failed, false);
    assert.ok(contacts.requests.every((r: { status: number; url: string; ms: number }) => r.status === 200 && r.url.startsWith(`${provider.url}/contacts?updatedSince=`) && r.ms >= 0));

    const people = latest.resources.find((r: { resource: string }) => r.resource === 'people');
    assert.equal(people.failed, true);
    assert.deepEqual(latest.failedResources, ['people']);
    // The quick look's request, then three page-run attempts: no more inside one poll.
    assert.equal(people.requestCount, 4);
    assert.deepEqual(people.requests.map((r: { status: number }) => r.status), [503, 503, 503, 503]);
    assert.ok(people.requests.every((r: { url: string }) => r.url.includes('api_key=***') && !r.url.includes('people-key-secret')), 'URLs masked');
    assert.match(people.error, /provider answered 503: injected 503 .*the provider failed on its side/);
    const others = latest.resources.find((r: { resource: string }) => r.resource === 'contacts');
    assert.equal(others.failed, false, 'the other resource was polled');
    assert.ok(latest.durationMs >= 0);
  });
});
