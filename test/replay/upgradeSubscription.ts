/**
 * An upgrade of the delivery path, end to end: a subscription started by an earlier release, its head being retried by
 * Temporal (the earlier release's deliverNotification) and a second notification queued behind it, when the workers
 * are replaced by this checkout's. The retry then runs on this release's worker (the activity kept its name and
 * contract), and the run migrates into the current workflow at its first live turn (patch subscription-v2), which
 * delivers the rest.
 *
 *   npx tsx test/replay/upgradeSubscription.ts --from <git ref of the earlier release> [--save]
 *
 * Every change must arrive exactly once and in order. With `--save`, the subscription's runs (the earlier release's,
 * which migrates, and the current one's) are written to test/histories as `subscription-upgraded-<n>.json`, encrypted
 * with the replay key.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { subscriptionWorkflowId } from '../../contract/subscriptionId';
import { dataConverterFromEnv } from '../../temporal/codec';
import { startHttpProvider } from '../fakes/httpProvider';
import { startReceiver } from '../fakes/receiver';
import { eventually, sleep, startDevServer } from '../support/processes';
import { historyToJSON } from './historyJson';
import { HISTORIES_DIR, replayEnv } from './fixtures';
import { call, checkout, startPollster } from './release';

const args = parseArgs({ options: { from: { type: 'string' }, save: { type: 'boolean', default: false } } }).values;
if (!args.from) throw new Error('--from <git ref of the earlier release> is required');

const ISO_MS = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";
// Retries 40 ms, 160 ms, 640 ms, 2.6 s, 10 s, 41 s … after the first failure: the upgrade lands between two of them.
const env: NodeJS.ProcessEnv = { ...process.env, ...replayEnv(), POLLSTER_ALLOW_PRIVATE_CALLBACKS: 'true', POLLSTER_RETRY_SCALE: '0.01', POLLSTER_DATA_DIR: mkdtempSync(join(tmpdir(), 'pollster-upgrade-')) };

const release = checkout(args.from);
const server = await startDevServer();
const provider = await startHttpProvider();
const receiver = await startReceiver();
let failed = false;
try {
  console.log(`earlier release ${args.from} in ${release.dir}; Temporal at ${server.address}`);
  const client = new Client({ connection: await Connection.connect({ address: server.address }), dataConverter: dataConverterFromEnv(env) });
  const subscription = client.workflow.getHandle(subscriptionWorkflowId(receiver.url));
  const before = await startPollster(release.dir, server.address, env);
  receiver.respondWith(503);
  const created = await call(before.api, 'POST', '/instances', {
    element: { key: 'http' },
    name: 'upgraded subscription',
    tags: ['upgrade'],
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
          datesConfiguration: { updatedDateField: 'updatedAt', updatedDateFormat: ISO_MS, createdDateField: 'createdAt', createdDateFormat: ISO_MS },
        },
      },
    },
  });
  const id = created.id as number;
  const ada = provider.create('Ada').id;
  // The direct attempt and four of Temporal's retries fail (the last 2.6 s after the first); the next one is 10 s after it.
  await eventually(() => receiver.attempts >= 5 || undefined, 'five failed attempts on the earlier release', 60_000);
  const bob = provider.create('Bob').id;
  const where = encodeURIComponent(`status='retry' and config.url='${receiver.url}'`);
  await eventually(async () => ((await call(before.api, 'GET', `/notifications/subscriptions/deliveries?where=${where}`)).length === 2 ? true : undefined), 'Bob queued behind Ada', 60_000);
  const firstRunId = (await subscription.describe()).runId;
  console.log(`earlier release: ${receiver.attempts} failed attempts, two notifications held by run ${firstRunId}`);

  await before.apiProcess.stop();
  await before.worker.stop();
  receiver.respondWith(200);
  const after = await startPollster(undefined, server.address, env);
  await eventually(() => (receiver.events().length >= 2 ? true : undefined), 'both delivered by this release', 60_000);
  await sleep(2000); // nothing more may come
  const objects = receiver.events().map((e) => e.objectId);
  console.log(`after the upgrade: ${receiver.attempts} attempts in all; delivered ${objects.join(', ')}`);
  if (objects.join() !== [ada, bob].join()) throw new Error(`expected ${ada}, ${bob} once each, in order; got ${objects.join(', ')}`);

  const runs = [firstRunId];
  for (let run: string | undefined = firstRunId; run; ) {
    const next: string | undefined = (await client.workflow.getHandle(subscription.workflowId, run).fetchHistory()).events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
    if (next) runs.push(next);
    run = next;
  }
  if (runs.length < 2) throw new Error('the earlier release’s run did not continue as new into the current workflow');
  if (args.save) {
    await call(after.api, 'DELETE', `/instances/${id}`);
    await subscription.terminate('recorded');
    for (const [i, runId] of runs.entries()) {
      const history = await client.workflow.getHandle(subscription.workflowId, runId).fetchHistory();
      const file = join(HISTORIES_DIR, `subscription-upgraded-${i + 1}.json`);
      if (existsSync(file)) rmSync(file);
      writeFileSync(file, `${historyToJSON(history)}\n`);
      console.log(`${file}: ${history.events?.length ?? 0} events`);
    }
  }
  await after.apiProcess.stop();
  await after.worker.stop();
} catch (err) {
  failed = true;
  console.error(err);
} finally {
  await provider.close();
  await receiver.close();
  await server.destroy();
  release.remove();
}
process.exit(failed ? 1 : 0);
