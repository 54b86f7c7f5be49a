/**
 * Records the workflow histories that test/replay/replay.test.ts replays: real instance,
 * subscription and account workflows, run by the production worker on a fresh dev server against
 * the test fakes, saved with `handle.fetchHistory()` as JSON into test/histories/.
 *
 *   npx tsx test/replay/record.ts [--only <scenario>,…] [--suffix=<text>] [--replace | --keep]
 *
 *   --only      scenarios to run (default: all): lifecycle, providerFailures, resumeFailedPass, continueAsNew, oauth,
 *               subscriptionRetry, subscriptionDeactivated, subscriptionReceiver, subscriptionPaced, replay, replayCancelled,
 *               tombstones, scan, settle, accountSettings
 *   --suffix    appended to every file name: `--only lifecycle --suffix=-no-polling-state-upsert`
 *               writes instance-lifecycle-no-polling-state-upsert.json beside instance-lifecycle.json
 *   --replace   overwrite files of the same name (without it the script writes nothing when one exists)
 *   --keep      keep files of the same name and write the others (a scenario records two workflows, one of which
 *               did not change: `--only subscriptionRetry --suffix=-v2 --keep` leaves instance-handoff-v2.json)
 *
 * Payloads are encrypted with the fixed test key of test/replay/fixtures.ts, so the replay test can
 * decrypt them. After an intended change to workflow code guarded by patched(), record the new
 * behaviour under a suffix and keep the old files: both branches then replay on every `npm test`.
 * Nothing is deleted; remove a history by hand once no running workflow can have it.
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from './historyJson';
import { instanceBodySchema } from '../../core/config';
import { toInstanceSpec } from '../../core/instanceSpec';
import { pollerSettings } from '../../core/pollerSettings';
import { buildApi, temporalServices } from '../../api/app';
import { instanceIdFor, newToken } from '../../api/instances/identity';
import { subscriptionWorkflowId } from '../../contract/subscriptionId';
import { dataConverterFromEnv } from '../../temporal/codec';
import { createWorker } from '../../workers/worker';
import { instanceWorkflow } from '../../workflows/instance';
import { pause, pollNow, resume, setRefreshInterval } from '../../contract/messages';
import { ACCOUNT_WORKFLOW_ID, TASK_QUEUE } from '../../contract/names';
import { startHttpProvider, type HttpProvider } from '../fakes/httpProvider';
import { startReceiver, type Receiver } from '../fakes/receiver';
import { startSageAccountingSimulator, SAGE_ACCOUNTING_DEFAULT_CLIENT_ID, SAGE_ACCOUNTING_DEFAULT_CLIENT_SECRET } from '../fakes/sageone';
import { quietTemporalLogs } from '../support/faultScenario';
import { eventually, sleep, startDevServer } from '../support/processes';
import { AUTH, SECRETS } from '../support/pollster';
import { HISTORIES_DIR, replayEnv } from './fixtures';

// The fakes listen on 127.0.0.1; delivery retries run at 4^x × 0.01 ms, so nine of them take ~3 s.
process.env.POLLSTER_ALLOW_PRIVATE_CALLBACKS = 'true';
process.env.POLLSTER_ALLOW_PRIVATE_PROVIDERS = 'true';
process.env.POLLSTER_RETRY_SCALE = '0.00001';
quietTemporalLogs();

const args = parseArgs({ options: { only: { type: 'string' }, suffix: { type: 'string', default: '' }, replace: { type: 'boolean', default: false }, keep: { type: 'boolean', default: false } } }).values;
const NAMES = ['lifecycle', 'providerFailures', 'resumeFailedPass', 'continueAsNew', 'oauth', 'subscriptionRetry', 'subscriptionDeactivated', 'subscriptionReceiver', 'subscriptionPaced', 'replay', 'replayCancelled', 'tombstones', 'scan', 'settle', 'accountSettings'] as const;
const selected = args.only?.split(',').map((s) => s.trim()) ?? [...NAMES];
// Checked before anything starts: a typo must not leave a dev server behind.
const unknown = selected.filter((name) => !(NAMES as readonly string[]).includes(name));
if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(', ')}; known: ${NAMES.join(', ')}`);

const ISO_MS = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";
// The store of this recording in a temp dir: it is encrypted with the replay key, not the data dir's.
const env = { ...process.env, ...replayEnv(), POLLSTER_DATA_DIR: mkdtempSync(join(tmpdir(), 'pollster-record-')) };

interface Recorded {
  file: string;
  workflowId: string;
  runId?: string;
}

const server = await startDevServer();
const connection = await Connection.connect({ address: server.address });
const client = new Client({ connection, namespace: 'default', dataConverter: dataConverterFromEnv(env) });
const { worker, close: closeWorker } = await createWorker({ target: { address: server.address, namespace: 'default' }, env });
const running = worker.run();
const app = await buildApi({ services: temporalServices(client), secrets: SECRETS });
const apiUrl = `${await app.listen({ port: 0, host: '127.0.0.1' })}/elements/api-v2`;
const closers: (() => Promise<void>)[] = [];

async function api(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(apiUrl + path, {
    method,
    headers: { authorization: AUTH, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

async function fakes(options?: Parameters<typeof startHttpProvider>[0]): Promise<{ provider: HttpProvider; receiver: Receiver }> {
  const provider = await startHttpProvider(options);
  const receiver = await startReceiver();
  closers.push(() => provider.close(), () => receiver.close());
  return { provider, receiver };
}

function httpBody(provider: HttpProvider, receiver: Receiver, name: string, configuration: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    element: { key: 'http' },
    name,
    tags: ['replay'],
    configuration: {
      'base.url': provider.url,
      'pagination.type': 'page',
      'event.notification.enabled': true,
      'event.notification.callback.url': receiver.url,
      'event.notification.signature.key': 'MySecretEventSignatureKey',
      'event.poller.refresh_interval': '0.05',
      'event.poller.configuration': {
        contacts: {
          url: `/contacts?updatedSince=\${gmtDate:${ISO_MS}}`,
          idField: 'id',
          pageSize: 2,
          datesConfiguration: { updatedDateField: 'updatedAt', updatedDateFormat: ISO_MS, createdDateField: 'createdAt', createdDateFormat: ISO_MS },
        },
      },
      ...configuration,
    },
  };
}

const events = (r: Receiver, id: number): number => r.received.filter((x) => x.body.message.instanceId === id).flatMap((x) => x.body.message.events).length;
const handle = (id: number) => client.workflow.getHandle(`instance-${id}`);

/** Signals, an update through PATCH, pause/resume, multi-page polls, then DELETE. */
async function instanceLifecycle(): Promise<Recorded[]> {
  const { provider, receiver } = await fakes();
  const { id } = await api('POST', '/instances', httpBody(provider, receiver, 'lifecycle'));
  for (const name of ['Ada', 'Bob', 'Cy']) provider.create(name);
  await handle(id).signal(pollNow);
  await eventually(() => events(receiver, id) >= 3, 'three CREATED events');
  await handle(id).signal(setRefreshInterval, 0.04);
  await api('PATCH', `/instances/${id}`, { configuration: { 'event.poller.refresh_interval': '0.03' } });
  await handle(id).signal(pause);
  await sleep(2500);
  provider.update('2', 'Bob B.');
  provider.create('Dee');
  await handle(id).signal(resume);
  await handle(id).signal(pollNow);
  await eventually(() => events(receiver, id) >= 5, 'events after resume');
  await sleep(2500); // a quiet poll or two
  await api('DELETE', `/instances/${id}`);
  return [{ file: 'instance-lifecycle', workflowId: `instance-${id}` }];
}

/** 500s retried inside the activity, a 400 that fails the resource, an auth error, and the configuration update that clears it. (The first failure of each goes to the poll's quick look.) */
async function instanceProviderFailures(): Promise<Recorded[]> {
  const { provider, receiver } = await fakes();
  const { id } = await api('POST', '/instances', httpBody(provider, receiver, 'provider-failures'));
  provider.failNext(3, 500);
  provider.create('Eve');
  await eventually(() => events(receiver, id) >= 1, 'an event after two 500s');
  provider.failNext(1, 400);
  provider.create('Fay');
  await eventually(() => events(receiver, id) >= 2, 'an event after a 400');
  provider.failNext(1, 401);
  await eventually(async () => (await api('GET', `/instances/${id}/poller`)).authError, 'the auth error');
  await api('PATCH', `/instances/${id}`, { configuration: { 'auth.type': 'none' } });
  provider.create('Gus');
  await eventually(() => events(receiver, id) >= 3, 'an event after the configuration update');
  await api('DELETE', `/instances/${id}`);
  return [{ file: 'instance-provider-failures', workflowId: `instance-${id}` }];
}

/** A pass that fails on its second page (a 400, after the first page went out) and is finished by the next poll. */
async function instanceResumeFailedPass(): Promise<Recorded[]> {
  const { provider, receiver } = await fakes({ pagination: 'cursor' });
  const body = httpBody(provider, receiver, 'resume-failed-pass', { 'pagination.type': 'cursor', 'pagination.cursor.path': 'nextCursor' });
  const contacts = (body.configuration as Record<string, { contacts: Record<string, unknown> }>)['event.poller.configuration']!.contacts;
  contacts.url = `${String(contacts.url)}&pageSize=2`;
  const { id } = await api('POST', '/instances', body);
  provider.failNext(1, 400, undefined, (u) => u.searchParams.has('cursor'));
  for (const name of ['Hal', 'Ida', 'Jo']) provider.create(name);
  await eventually(() => events(receiver, id) >= 3, 'three events, the third after the failed page');
  await sleep(3500); // a quiet poll
  await api('DELETE', `/instances/${id}`);
  return [{ file: 'instance-resume-failed-pass', workflowId: `instance-${id}` }];
}

/** A workflow that continues as new (maxHistoryEvents, as tests use it): the first run and the next. */
async function instanceContinueAsNew(): Promise<Recorded[]> {
  const { provider, receiver } = await fakes();
  const parsed = toInstanceSpec(instanceBodySchema.parse(httpBody(provider, receiver, 'continue-as-new', { 'event.poller.refresh_interval': '0.02' })));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  const id = instanceIdFor(parsed.value);
  const first = await client.workflow.start(instanceWorkflow, {
    workflowId: `instance-${id}`,
    taskQueue: TASK_QUEUE,
    args: [{ instance: { id, token: newToken(id), createdDate: new Date().toISOString(), spec: parsed.value }, settings: pollerSettings(parsed.value.configuration), maxHistoryEvents: 40 }],
  });
  provider.create('Hal');
  const runId = first.firstExecutionRunId;
  await eventually(async () => (await client.workflow.getHandle(`instance-${id}`, runId).describe()).status.name === 'CONTINUED_AS_NEW', 'a continue-as-new', 60_000, 250);
  provider.create('Ida');
  await eventually(() => events(receiver, id) >= 2, 'an event in the second run');
  const second = (await handle(id).describe()).runId;
  await handle(id).terminate('recorded');
  return [
    { file: 'instance-continue-as-new-1', workflowId: `instance-${id}`, runId },
    { file: 'instance-continue-as-new-2', workflowId: `instance-${id}`, runId: second },
  ];
}

/** OAuth2 (sageone): code exchange, then a refused access token refreshed once. */
async function instanceOAuth(): Promise<Recorded[]> {
  const sim = await startSageAccountingSimulator();
  const receiver = await startReceiver();
  closers.push(() => sim.close(), () => receiver.close());
  const qs = new URLSearchParams({ apiKey: SAGE_ACCOUNTING_DEFAULT_CLIENT_ID, callbackUrl: 'https://mycoolapp.com', state: 'sageone', 'base.url': sim.url });
  const { oauthUrl } = await api('GET', `/elements/sageone/oauth/url?${qs}`);
  const code = new URL((await fetch(oauthUrl, { redirect: 'manual' })).headers.get('location')!).searchParams.get('code')!;
  const { id } = await api('POST', '/instances', {
    element: { key: 'sageone' },
    name: 'oauth',
    providerData: { code },
    configuration: {
      'oauth.api.key': SAGE_ACCOUNTING_DEFAULT_CLIENT_ID,
      'oauth.api.secret': SAGE_ACCOUNTING_DEFAULT_CLIENT_SECRET,
      'oauth.callback.url': 'https://mycoolapp.com',
      'base.url': sim.url,
      'event.notification.enabled': true,
      'event.notification.callback.url': receiver.url,
      'event.poller.refresh_interval': '0.03',
      'event.poller.configuration': {
        customers: {
          url: "/hubs/finance/customers?where=lastModifiedDate>='${date:yyyy-MM-dd'T'HH:mm:ss'Z'}'",
          idField: 'id',
          datesConfiguration: {
            updatedDateField: 'updated_at',
            updatedDateFormat: "yyyy-MM-dd'T'HH:mm:ss'Z'",
            createdDateField: 'created_at',
            createdDateFormat: "yyyy-MM-dd'T'HH:mm:ss'Z'",
          },
        },
      },
    },
  });
  await sleep(1500); // the first poll's checkpoint starts at creation: create after it, a second later (seconds-precision dates)
  sim.create('contacts', { name: 'Acme Ltd' });
  await eventually(() => events(receiver, id) >= 1, 'a customer event', 60_000);
  sim.expireAccessTokens();
  await sleep(1100);
  sim.create('contacts', { name: 'Beta plc' });
  await eventually(() => events(receiver, id) >= 2, 'an event after the token refresh', 60_000);
  await api('DELETE', `/instances/${id}`);
  return [{ file: 'instance-oauth-sageone', workflowId: `instance-${id}` }];
}

/** A callback down for a while: hand-offs to the subscription, retries on the 4^x schedule, delivery. */
async function subscriptionRetry(): Promise<Recorded[]> {
  const { provider, receiver } = await fakes();
  let failures = 0;
  receiver.respondWith(() => (failures++ < 4 ? 503 : 200));
  const { id } = await api('POST', '/instances', httpBody(provider, receiver, 'subscription-retry'));
  provider.create('Jo');
  await eventually(() => events(receiver, id) >= 1, 'the event, after four 503s');
  provider.create('Kai');
  await eventually(() => events(receiver, id) >= 2, 'the next event');
  await api('DELETE', `/instances/${id}`);
  return [
    { file: 'subscription-retry', workflowId: subscriptionWorkflowId(receiver.url) },
    { file: 'instance-handoff', workflowId: `instance-${id}` },
  ];
}

/** Every retry fails: deactivated, later notifications queued, then PUT .../deliveries redelivers them. */
async function subscriptionDeactivated(): Promise<Recorded[]> {
  const { provider, receiver } = await fakes();
  receiver.respondWith(500);
  const { id } = await api('POST', '/instances', httpBody(provider, receiver, 'subscription-deactivated'));
  provider.create('Lu');
  const where = encodeURIComponent(`status='queued' and config.url='${receiver.url}'`);
  await eventually(async () => (await api('GET', `/notifications/subscriptions/deliveries?where=${where}`)).length > 0, 'a queued delivery', 60_000);
  provider.create('Mo');
  await eventually(async () => (await api('GET', `/notifications/subscriptions/deliveries?where=${where}`)).length > 1, 'a second queued delivery', 60_000);
  receiver.respondWith(200);
  await api('PUT', `/notifications/subscriptions/deliveries?where=${where}`);
  await eventually(() => events(receiver, id) >= 2, 'the redelivered events');
  await api('DELETE', `/instances/${id}`);
  return [{ file: 'subscription-deactivated', workflowId: subscriptionWorkflowId(receiver.url) }];
}

/** Waits for a replay to end and answers its status. */
async function replayEnded(id: number, replayId: string): Promise<{ status: string }> {
  return eventually(async () => {
    const status = await api('GET', `/instances/${id}/events/replay/${replayId}`);
    return status.status !== 'running' && status;
  }, `replay ${replayId} to end`, 60_000, 250);
}

/** A rewind (the instance's setCheckpoints update, its events again), then a replay of the same window over pages. */
async function replayRun(): Promise<Recorded[]> {
  const { provider, receiver } = await fakes();
  const { id } = await api('POST', '/instances', httpBody(provider, receiver, 'replay'));
  await sleep(1500);
  const since = new Date(Date.now() - 1000).toISOString();
  for (const name of ['Nia', 'Oz', 'Pat', 'Quin', 'Ray']) provider.create(name);
  await eventually(() => events(receiver, id) >= 5, 'five CREATED events');
  await api('PATCH', `/instances/${id}/poller`, { resources: { contacts: { checkpoint: since } } });
  await eventually(() => events(receiver, id) >= 10, 'the five events again after the rewind');
  const { replayId } = await api('POST', `/instances/${id}/events/replay`, { since });
  await replayEnded(id, replayId);
  await sleep(2000); // a quiet poll
  await api('DELETE', `/instances/${id}`);
  return [
    { file: 'instance-rewind', workflowId: `instance-${id}` },
    { file: 'replay-run', workflowId: `replay-${id}-${replayId}` },
  ];
}

/** A replay over a slow provider, cancelled part-way through DELETE. */
async function replayCancelled(): Promise<Recorded[]> {
  const { provider, receiver } = await fakes();
  provider.setLatency(300);
  const since = new Date(Date.now() - 1000).toISOString();
  for (let i = 0; i < 60; i++) provider.create(`r${i}`);
  await sleep(50);
  const { id } = await api('POST', '/instances', httpBody(provider, receiver, 'replay-cancelled', { 'event.poller.refresh_interval': '60' }));
  const { replayId } = await api('POST', `/instances/${id}/events/replay`, { since });
  await eventually(() => events(receiver, id) >= 1, 'the replay\u2019s first notification');
  await api('DELETE', `/instances/${id}/events/replay/${replayId}`);
  await replayEnded(id, replayId);
  await api('DELETE', `/instances/${id}`);
  return [{ file: 'replay-cancelled', workflowId: `replay-${id}-${replayId}` }];
}

/**
 * A receiver that asks to be left alone (429, Retry-After: 60), retry now through the API cutting that wait, then one
 * that fails (503) and is retried on the schedule: the subscription's timers, its retryNow signal, its Retry-After.
 */
async function subscriptionReceiver(): Promise<Recorded[]> {
  const { provider, receiver } = await fakes();
  let answers = 0;
  receiver.respondWith(() => (++answers === 1 ? { status: 429, headers: { 'Retry-After': '60' } } : answers === 3 ? 503 : 200));
  const { id } = await api('POST', '/instances', httpBody(provider, receiver, 'subscription-receiver'));
  provider.create('Nia');
  const where = encodeURIComponent(`status='retry' and config.url='${receiver.url}'`);
  const [asked] = await eventually(async () => {
    const held = await api('GET', `/notifications/subscriptions/deliveries?where=${where}`);
    return held.length > 0 && held[0].retryAfter ? held : undefined;
  }, "the receiver's Retry-After, waited for", 60_000);
  await api('POST', `/notifications/subscriptions/deliveries/${asked.id}/retry`);
  await eventually(() => events(receiver, id) >= 1, 'the event, retried now');
  provider.create('Oz');
  await eventually(() => events(receiver, id) >= 2, 'the next event, after a 503');
  await api('DELETE', `/instances/${id}`);
  return [{ file: 'subscription-receiver', workflowId: subscriptionWorkflowId(receiver.url) }];
}

/** An instance with a rate limit: every notification through its subscription, a few at a time at 5/s. */
async function subscriptionPaced(): Promise<Recorded[]> {
  const { provider, receiver } = await fakes();
  const { id } = await api('POST', '/instances', httpBody(provider, receiver, 'subscription-paced', { 'event.notification.rate_limit': '5' }));
  for (const name of ['Pia', 'Quin', 'Rae', 'Sol', 'Tam']) provider.create(name);
  await eventually(() => events(receiver, id) >= 5, 'five events, paced');
  await api('DELETE', `/instances/${id}`);
  return [{ file: 'subscription-paced', workflowId: subscriptionWorkflowId(receiver.url) }];
}

const instanceEvents = (r: Receiver, id: number) => r.received.filter((x) => x.body.message.instanceId === id).flatMap((x) => x.body.message.events);
const eventsOfType = (r: Receiver, id: number, type: string) => instanceEvents(r, id).filter((e) => e.eventType === type);

/** Tombstones (deletion.url): a deleted-records list polled after the resource, with its own checkpoint; one DELETED. */
async function instanceTombstones(): Promise<Recorded[]> {
  const { provider, receiver } = await fakes();
  const body = httpBody(provider, receiver, 'tombstones');
  const contacts = (body.configuration as Record<string, { contacts: Record<string, unknown> }>)['event.poller.configuration']!.contacts;
  contacts.deletion = { url: `/contacts/deleted?deletedSince=\${gmtDate:${ISO_MS}}`, idField: 'id', dateField: 'deletedAt', dateFormat: ISO_MS };
  const { id } = await api('POST', '/instances', body);
  const [ada] = [provider.create('Ada'), provider.create('Bob')];
  await eventually(() => events(receiver, id) >= 2, 'two CREATED events');
  provider.delete(ada.id);
  await eventually(() => eventsOfType(receiver, id, 'DELETED').length >= 1, 'the DELETED event');
  await sleep(2500); // a quiet poll of both lists
  await api('DELETE', `/instances/${id}`);
  return [{ file: 'instance-tombstones', workflowId: `instance-${id}` }];
}

/** An id scan (deletion.scan) beside the polls: the first records five ids, a later one finds one gone: one DELETED. */
async function instanceScan(): Promise<Recorded[]> {
  const { provider, receiver } = await fakes();
  const ids = ['Ann', 'Ben', 'Cal', 'Dot', 'Eli'].map((name) => provider.create(name).id);
  const body = httpBody(provider, receiver, 'scan');
  const contacts = (body.configuration as Record<string, { contacts: Record<string, unknown> }>)['event.poller.configuration']!.contacts;
  contacts.deletion = { scan: { url: '/contacts/ids', idField: 'id', every: 0.05 } };
  const { id } = await api('POST', '/instances', body);
  await eventually(async () => (await api('GET', `/instances/${id}/poller`)).resources?.contacts?.scan?.lastIds === 5, 'the first scan, five ids', 60_000, 250);
  provider.delete(ids[2]!);
  await eventually(() => eventsOfType(receiver, id, 'DELETED').length >= 1, 'the DELETED event', 60_000);
  await sleep(3500); // one more scan, with nothing gone
  await api('DELETE', `/instances/${id}`);
  return [{ file: 'instance-scan', workflowId: `instance-${id}` }];
}

/** A settle pass (settleDelay) on a provider whose queries find a change 1.5 s late: a second look reports it, late. */
async function instanceSettle(): Promise<Recorded[]> {
  const { provider, receiver } = await fakes({ indexLagMs: 1500 });
  const body = httpBody(provider, receiver, 'settle', { 'event.poller.refresh_interval': '0.0167' });
  const contacts = (body.configuration as Record<string, { contacts: Record<string, unknown> }>)['event.poller.configuration']!.contacts;
  contacts.settleDelay = 3;
  const { id } = await api('POST', '/instances', body);
  await sleep(1500);
  for (const name of ['Fay', 'Gil', 'Hui']) {
    provider.create(name);
    await sleep(700);
  }
  const late = () => instanceEvents(receiver, id).filter((e) => e.late === true).length;
  await eventually(() => events(receiver, id) >= 3 && late() >= 1, 'three events, at least one late', 60_000);
  await sleep(4000); // the remaining second looks, finding nothing new
  await api('DELETE', `/instances/${id}`);
  return [{ file: 'instance-settle', workflowId: `instance-${id}` }];
}

/** The account settings workflow: two updates through PATCH /accounts/settings. */
async function accountSettings(): Promise<Recorded[]> {
  await api('PATCH', '/accounts/settings', { 'notification.webhook.failure.policy': 'queue' });
  await api('PATCH', '/accounts/settings', { 'notification.webhook.failure.policy': 'retry' });
  return [{ file: 'account-settings', workflowId: ACCOUNT_WORKFLOW_ID }];
}

const SCENARIOS: Record<Exclude<(typeof NAMES)[number], 'accountSettings'>, () => Promise<Recorded[]>> = {
  lifecycle: instanceLifecycle,
  providerFailures: instanceProviderFailures,
  resumeFailedPass: instanceResumeFailedPass,
  continueAsNew: instanceContinueAsNew,
  oauth: instanceOAuth,
  subscriptionRetry,
  subscriptionDeactivated,
  subscriptionReceiver,
  subscriptionPaced,
  replay: replayRun,
  replayCancelled,
  tombstones: instanceTombstones,
  scan: instanceScan,
  settle: instanceSettle,
};

let failed = false;
try {
  // Independent scenarios at once; the account settings last (its policy would change the others' deliveries).
  const recorded = (await Promise.all(Object.entries(SCENARIOS).filter(([name]) => selected.includes(name)).map(([, run]) => run()))).flat();
  if (selected.includes('accountSettings')) recorded.push(...(await accountSettings()));
  const fileOf = (r: Recorded): string => join(HISTORIES_DIR, `${r.file}${args.suffix}.json`);
  const existing = recorded.map(fileOf).filter((f) => existsSync(f));
  if (existing.length > 0 && !args.replace && !args.keep) throw new Error(`not overwriting (use --replace, --keep, or --suffix for new files): ${existing.join(', ')}`);
  mkdirSync(HISTORIES_DIR, { recursive: true });
  for (const r of recorded) {
    if (args.keep && existing.includes(fileOf(r))) {
      console.log(`${r.file}${args.suffix}.json: kept`);
      continue;
    }
    const history = await client.workflow.getHandle(r.workflowId, r.runId).fetchHistory();
    writeFileSync(fileOf(r), `${historyToJSON(history)}\n`);
    console.log(`${r.file}${args.suffix}.json: ${history.events?.length ?? 0} events of ${r.workflowId}`);
  }
} catch (err) {
  failed = true;
  console.error(err);
} finally {
  await app.close();
  worker.shutdown();
  await running.catch(() => undefined);
  await closeWorker();
  for (const close of closers) await close().catch(() => undefined);
  await connection.close();
  await server.destroy();
}
process.exit(failed ? 1 : 0);
