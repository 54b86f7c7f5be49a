/**
 * An upgrade, end to end: an instance created and polled by an earlier release keeps polling on this one.
 *
 *   npx tsx test/replay/upgrade.ts --from <git ref of the earlier release> [--save]
 *
 * The earlier release is checked out into a temporary worktree (sharing this checkout's node_modules) and run as it
 * shipped: its worker and its API against a fresh dev server, the test fakes as provider and receiver. Records change,
 * events arrive. Then its processes stop and this checkout's worker and API take over the same Temporal: more records
 * change. Every change must arrive exactly once, and no event under a second notification id. With `--save`, the
 * instance's runs (the earlier release's, which migrates, and the current one's) are written to test/histories as
 * `instance-upgraded-<n>.json`, encrypted with the replay key, so the replay suite holds both sides of the upgrade.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { instanceWorkflowId } from '../../contract/names';
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
const env: NodeJS.ProcessEnv = { ...process.env, ...replayEnv(), POLLSTER_ALLOW_PRIVATE_CALLBACKS: 'true', POLLSTER_RETRY_SCALE: '0.001', POLLSTER_DATA_DIR: mkdtempSync(join(tmpdir(), 'pollster-upgrade-')) };

const release = checkout(args.from);
const server = await startDevServer();
const provider = await startHttpProvider();
const receiver = await startReceiver();
let failed = false;
try {
  console.log(`earlier release ${args.from} in ${release.dir}; Temporal at ${server.address}`);
  const before = await startPollster(release.dir, server.address, env);
  const created = await call(before.api, 'POST', '/instances', {
    element: { key: 'http' },
    name: 'upgraded',
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
          pageSize: 2,
          datesConfiguration: { updatedDateField: 'updatedAt', updatedDateFormat: ISO_MS, createdDateField: 'createdAt', createdDateFormat: ISO_MS },
        },
      },
    },
  });
  const id = created.id as number;
  const expected = new Map<string, number>(); // objectId → changes made
  const change = (make: () => { id: string }): void => {
    const contact = make();
    expected.set(contact.id, (expected.get(contact.id) ?? 0) + 1);
  };
  const delivered = (): number => receiver.events().length;
  const total = (): number => [...expected.values()].reduce((a, b) => a + b, 0);

  for (const name of ['Ada', 'Bob', 'Cy']) change(() => provider.create(name));
  await eventually(() => delivered() >= total(), `the earlier release delivers ${total()} events`, 60_000);
  change(() => provider.update('2', 'Bob B.'));
  await eventually(() => delivered() >= total(), 'an update on the earlier release', 60_000);
  const firstRunId = (await new Client({ connection: await Connection.connect({ address: server.address }), dataConverter: dataConverterFromEnv(env) }).workflow.getHandle(instanceWorkflowId(id)).describe()).runId;
  console.log(`earlier release: ${delivered()} events delivered; run ${firstRunId}`);

  await before.apiProcess.stop();
  await before.worker.stop();
  await sleep(4000); // polls come due meanwhile: the new worker takes them over
  change(() => provider.create('Dee'));
  const after = await startPollster(undefined, server.address, env);
  change(() => provider.update('1', 'Ada L.'));
  change(() => provider.create('Eve'));
  await eventually(() => delivered() >= total(), `this release delivers the rest (${total()} events in all)`, 60_000);
  await sleep(3000); // a few quiet polls: nothing more may come
  const status = await call(after.api, 'GET', `/instances/${id}/poller`);

  // Every change once, and no event under two notification ids.
  const byObject = new Map<string, Set<string>>();
  for (const r of receiver.received) for (const e of r.body.message.events) byObject.set(`${e.objectId}@${e.date}`, (byObject.get(`${e.objectId}@${e.date}`) ?? new Set()).add(r.body.id));
  const twice = [...byObject.entries()].filter(([, ids]) => ids.size > 1);
  console.log(`after the upgrade: ${delivered()} events for ${total()} changes; polls ${status.polls}; events under two ids: ${twice.length}`);
  if (delivered() !== total() || twice.length > 0) throw new Error(`upgrade lost or repeated events: ${delivered()} of ${total()}, ${JSON.stringify(twice)}`);

  if (args.save) {
    const client = new Client({ connection: await Connection.connect({ address: server.address }), dataConverter: dataConverterFromEnv(env) });
    const runs = [firstRunId];
    for (let run: string | undefined = firstRunId; run; ) {
      const next: string | undefined = (await client.workflow.getHandle(instanceWorkflowId(id), run).fetchHistory()).events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
      if (next) runs.push(next);
      run = next;
    }
    await call(after.api, 'DELETE', `/instances/${id}`);
    for (const [i, runId] of runs.entries()) {
      const history = await client.workflow.getHandle(instanceWorkflowId(id), runId).fetchHistory();
      const file = join(HISTORIES_DIR, `instance-upgraded-${i + 1}.json`);
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
