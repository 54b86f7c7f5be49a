/**
 * `npm run cluster` itself (scripts/cluster.ts, as `npm run cluster` runs it after set-up), on PostgreSQL
 * named by POLLSTER_CLUSTER_PG_URL: the first run creates the databases, the namespace and the search
 * attributes and starts the server, a worker and an API replica; Ctrl-C stops them all; a second run reuses
 * the databases, the namespace and the secrets, and the instance created in the first run is still there.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePortRun } from '../../scripts/cluster/serverConfig';
import { startHttpProvider, type HttpProvider } from '../fakes/httpProvider';
import { startReceiver, type Receiver } from '../fakes/receiver';
import { testName, testPostgres, type TestPostgres } from '../support/clusterTemporal';
import { eventually, killIfStillRunning, processRef, spawnNode, stillRunning, stopChild, type ChildHandle, type ProcessRef } from '../support/processes';

const ISO_MS = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";

describe('npm run cluster', () => {
  const database = testName();
  let postgres: TestPostgres;
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let apiUrl: string;
  let provider: HttpProvider;
  let receiver: Receiver;
  let run: ChildHandle | undefined;
  /** Every process the command reported starting: it starts them in groups of their own, so a kill of the command alone would orphan them. */
  const started = new Set<ProcessRef>();

  before(async () => {
    postgres = await testPostgres(database);
    dataDir = mkdtempSync(join(tmpdir(), 'pollster-cluster-command-'));
    const [temporalPort, apiPort, metricsPort] = [await freePortRun(9), await freePortRun(1), await freePortRun(1)];
    apiUrl = `http://127.0.0.1:${apiPort}/elements/api-v2`;
    env = {
      ...process.env,
      POLLSTER_DATA_DIR: dataDir,
      POLLSTER_CLUSTER_PG_URL: postgres.urlFor(database),
      POLLSTER_CLUSTER_TEMPORAL_PORT: String(temporalPort),
      POLLSTER_CLUSTER_API_PORT: String(apiPort),
      POLLSTER_CLUSTER_METRICS_PORT: String(metricsPort),
      POLLSTER_CLUSTER_WORKERS: '1',
      POLLSTER_CLUSTER_APIS: '1',
      TEMPORAL_NAMESPACE: 'pollster',
      // Small pools, read by the server's template: test servers share PostgreSQL's 100 connections.
      TEMPORAL_PG_MAX_CONNS: '4',
      TEMPORAL_PG_VISIBILITY_MAX_CONNS: '2',
    };
    // Its secrets are its own (generated into the data dir), and it is no test.
    for (const name of ['POLLSTER_USER_SECRET', 'POLLSTER_ORGANIZATION_SECRET', 'POLLSTER_ENCRYPTION_KEY', 'TEMPORAL_ADDRESS', 'NODE_TEST_CONTEXT']) delete env[name];
    provider = await startHttpProvider();
    receiver = await startReceiver();
  });

  after(async () => {
    // A failed test leaves the command up: Ctrl-C first (it stops what it started), then kill whatever is left.
    if (run) await stopChild(run.child, 'SIGINT', 30_000);
    for (const ref of started) killIfStillRunning(ref);
    await provider?.close();
    await receiver?.close();
    await postgres?.drop([database, `${database}_visibility`]);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function up(): Promise<{ output: string; pids: ProcessRef[]; auth: string }> {
    run = await spawnNode({ entry: 'scripts/cluster.ts', env, ready: /Ctrl-C stops/, readyTimeoutMs: 240_000 });
    const output = run.output();
    const pids = [...new Set([...output.matchAll(/pid (\d+)/g)].map((m) => Number(m[1])))].map(processRef).filter((ref) => ref !== undefined);
    for (const ref of pids) started.add(ref);
    const { POLLSTER_USER_SECRET: user, POLLSTER_ORGANIZATION_SECRET: org } = JSON.parse(readFileSync(join(dataDir, 'cluster', 'secrets.json'), 'utf8'));
    return { output, pids, auth: `User ${user}, Organization ${org}` };
  }

  /** Ctrl-C: SIGINT to the command's process group, as a terminal sends it. */
  async function interrupt(pids: ProcessRef[]): Promise<void> {
    await stopChild(run!.child, 'SIGINT', 60_000);
    assert.equal(run!.child.exitCode, 0, `exits cleanly:\n${run!.output()}`);
    assert.match(run!.output(), /pollster cluster: stopped/);
    await eventually(() => pids.every((ref) => !stillRunning(ref)), 'every process it started to be gone', 30_000);
    run = undefined;
  }

  test('the first run sets everything up; Ctrl-C stops it; the second reuses the databases, namespace, secrets and instances', async (t) => {
    const first = await up();
    t.diagnostic(first.output.split('\n').filter((l) => /ready in|is up in/.test(l)).join('\n'));
    assert.match(first.output, /schema ready in .*\(created now;/);
    assert.match(first.output, /Temporal ready in .*4 history shards/);
    assert.match(first.output, /namespace ready in .*pollster \(registered now\); search attributes added/);
    assert.equal(first.pids.length, 3, `the server, a worker and an API, each with its pid:\n${first.output}`);
    const health = await (await fetch(`${apiUrl}/healthz`)).json();
    assert.deepEqual(health, { status: 'ok', temporal: 'ok' });
    const body = {
      element: { key: 'http' },
      name: 'kept',
      configuration: {
        'base.url': provider.url,
        'event.notification.enabled': true,
        'event.notification.callback.url': receiver.url,
        'event.poller.refresh_interval': '0.02',
        'event.poller.configuration': {
          contacts: { url: `/contacts?updatedSince=\${gmtDate:${ISO_MS}}`, idField: 'id', datesConfiguration: { updatedDateField: 'updatedAt', updatedDateFormat: ISO_MS } },
        },
      },
    };
    const created = await fetch(`${apiUrl}/instances`, { method: 'POST', headers: { authorization: first.auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(created.status, 200);
    const id = ((await created.json()) as { id: number }).id;
    const before = provider.create('before the restart');
    await receiver.waitFor((r) => r.events().some((e) => e.objectId === before.id), 60_000);
    await interrupt(first.pids);

    const second = await up();
    t.diagnostic(second.output.split('\n').filter((l) => /ready in|is up in/.test(l)).join('\n'));
    assert.equal(second.auth, first.auth, 'the same credentials');
    assert.match(second.output, /schema ready in .*\(existed;/);
    assert.match(second.output, /namespace ready in .*pollster \(existed\); search attributes all registered before/);
    assert.doesNotMatch(second.output, /generated now/);
    const read = await fetch(`${apiUrl}/instances/${id}`, { headers: { authorization: second.auth } });
    assert.equal(read.status, 200, 'the instance created in the first run is there');
    const after = provider.create('after the restart');
    await receiver.waitFor((r) => r.events().some((e) => e.objectId === after.id), 60_000);
    assert.deepEqual(receiver.events().map((e) => e.objectId), [before.id, after.id], 'it polls on where it was: each event once');
    await interrupt(second.pids);
  });
});
