/**
 * Fault injection on the API: `node --import tsx api/main.ts` SIGKILLed, then SIGTERMed, while
 * POST /instances requests are in flight, and started again on the same port. No request may leave
 * a half-made instance: every POST that answered 200 names an instance that exists and
 * polls; every POST that failed left either nothing, or a whole instance that polls on its own
 * (no client retry needed) and that the same POST, repeated, returns (creation is idempotent).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import { dataConverterFromEnv } from '../../temporal/codec';
import { instanceBodySchema } from '../../core/config';
import { toInstanceSpec } from '../../core/instanceSpec';
import { instanceIdFor } from '../../api/instances/identity';
import type { InstanceRecord } from '../../contract/instance';
import { startHttpProvider, type HttpProvider } from '../fakes/httpProvider';
import { startFaultProxy, startLedgerReceiver, type FaultProxy, type LedgerReceiver } from '../support/faultFakes';
import { faultInstanceBody, pollerStatus, quietTemporalLogs, randomSource } from '../support/faultScenario';
import { eventually, freePort, pollsterEnv, sleep, spawnNode, type ChildHandle } from '../support/processes';
import { AUTH, SECRETS, startWorker, type RunningWorker } from '../support/pollster';
import { startTemporal } from '../support/temporal';

quietTemporalLogs();

interface Outcome {
  name: string;
  body: Record<string, unknown>;
  /** The id the API derives from the body (the same for every repetition). */
  id: number;
  status?: number;
  response?: any;
  error?: string;
  round: number;
  /** Sent before the API was stopped, and not answered by then. */
  midFlight?: boolean;
  sent?: boolean;
}

describe('faults: the API restarted mid-request', () => {
  let env: TestWorkflowEnvironment;
  let client: Client;
  let worker: RunningWorker;
  let address: string;
  let port: number;
  let apiProcess: ChildHandle | undefined;
  let provider: HttpProvider;
  let proxy: FaultProxy;
  let receiver: LedgerReceiver;

  const base = (): string => `http://127.0.0.1:${port}/elements/api-v2`;
  async function startApiProcess(): Promise<ChildHandle> {
    apiProcess = await spawnNode({
      entry: 'api/main.ts',
      env: pollsterEnv(address, { POLLSTER_API_PORT: String(port), POLLSTER_USER_SECRET: SECRETS.userSecret, POLLSTER_ORGANIZATION_SECRET: SECRETS.organizationSecret }),
      ready: /API listening/,
    });
    return apiProcess;
  }
  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(base() + path, {
      method,
      headers: { authorization: AUTH, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(20_000),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  before(async () => {
    env = await startTemporal();
    address = (env.connection.options as { address: string }).address;
    client = new Client({ connection: env.connection, namespace: 'default', dataConverter: dataConverterFromEnv() });
    worker = await startWorker(env);
    port = await freePort();
    provider = await startHttpProvider({ pagination: 'cursor' });
    proxy = await startFaultProxy(provider.url);
    receiver = await startLedgerReceiver();
  });

  after(async () => {
    await apiProcess?.kill();
    await worker?.stop();
    await proxy?.close();
    await provider?.close();
    await receiver?.close();
    await env?.teardown();
  });

  test('POST /instances while the API is killed (SIGKILL, then SIGTERM): every instance is whole or absent, and polls', async (t) => {
    const random = randomSource();
    t.diagnostic(`seed ${random.seed}`);
    // One record every instance reports once (its poll starts before it): proof that an instance polls and delivers.
    const since = new Date(Date.now() - 60_000).toISOString();
    const record = provider.create('seen by every instance');
    receiver.script(() => ({ delayMs: random.between(0, 50) }));
    proxy.script(() => ({ delayMs: random.between(0, 100) }));

    const outcomes: Outcome[] = [];
    const body = (name: string): Record<string, unknown> => faultInstanceBody(proxy, receiver, name, 3, { 'event.poller.since': since, 'event.poller.refresh_interval': '0.05' });
    const idOf = (b: Record<string, unknown>): number => {
      const spec = toInstanceSpec(instanceBodySchema.parse(b));
      assert.ok(spec.ok);
      return instanceIdFor(spec.value);
    };

    // A SIGKILL round in which every POST still got its answer (the API finished them before the
    // signal landed) proves nothing: up to two more are run before the SIGTERM round.
    const signals: ('SIGKILL' | 'SIGTERM')[] = ['SIGKILL', 'SIGTERM'];
    for (let round = 1; round <= signals.length; round++) {
      const signal = signals[round - 1]!;
      const api = await startApiProcess();
      const batch: Promise<void>[] = [];
      let answered = 0;
      // Fifteen POSTs within ~300 ms; the API dies as soon as the first few have answered, the others mid-flight.
      for (let i = 0; i < 15; i++) {
        const name = `api-${round}-${i}`;
        const o: Outcome = { name, body: body(name), id: 0, round };
        o.id = idOf(o.body);
        outcomes.push(o);
        batch.push(
          (async () => {
            await sleep(random.between(0, 300));
            o.sent = true;
            try {
              const res = await call('POST', '/instances', o.body);
              o.status = res.status;
              o.response = res.body;
              answered++;
            } catch (err) {
              o.error = (err as Error).cause ? String((err as Error).cause) : (err as Error).message;
            }
          })(),
        );
      }
      const enough = random.between(1, 4);
      await eventually(() => answered >= enough, 'some answers', 30_000, 1);
      for (const o of outcomes) if (o.round === round && o.sent && o.status === undefined && o.error === undefined) o.midFlight = true;
      const inFlight = outcomes.filter((o) => o.round === round && o.midFlight).length;
      if (signal === 'SIGKILL') await api.kill();
      else await api.stop();
      await Promise.all(batch);
      const mine = outcomes.filter((o) => o.round === round);
      t.diagnostic(
        `round ${round}: ${signal} with ${inFlight} POSTs mid-flight; ${mine.filter((o) => o.status === 200).length} answered 200 (${mine.filter((o) => o.midFlight && o.status === 200).length} of them mid-flight), ${mine.filter((o) => o.error).length} failed (${mine.filter((o) => o.midFlight && o.error).length} mid-flight)`,
      );
      const killRounds = signals.filter((x) => x === 'SIGKILL').length;
      if (signal === 'SIGKILL' && !mine.some((o) => o.midFlight && o.error) && killRounds < 3) signals.splice(round, 0, 'SIGKILL');
    }
    await startApiProcess();

    const ok = outcomes.filter((o) => o.status === 200);
    const failed = outcomes.filter((o) => o.status !== 200);
    assert.ok(outcomes.some((o) => o.midFlight && o.error), 'some POSTs died with the API mid-flight');
    for (const o of outcomes) if (o.status !== undefined && o.status !== 200) assert.ok(o.status >= 500, `${o.name}: only server errors (${o.status})`);

    // Every 200 named a whole instance: readable with what was returned.
    for (const o of ok) {
      assert.equal(o.response.id, o.id);
      const read = await call('GET', `/instances/${o.id}`);
      assert.equal(read.status, 200, `${o.name}: answered 200, so it exists`);
      assert.equal(read.body.token, o.response.token, `${o.name}: the token it was given works`);
      assert.equal(read.body.name, o.name);
    }
    // Every failure left nothing, or a whole instance: readable, with its record and search attributes.
    const leftBehind: (Outcome & { token: string })[] = [];
    let leftNothing = 0;
    for (const o of failed) {
      let record: InstanceRecord | undefined;
      try {
        const d = await client.workflow.getHandle(`instance-${o.id}`).describe();
        record = (d.memo as { instance?: InstanceRecord } | undefined)?.instance;
        assert.equal(d.status.name, 'RUNNING', `${o.name}: a workflow that exists runs`);
        assert.ok(record, `${o.name}: a workflow that exists carries its instance record (memo)`);
        assert.equal(record.spec.name, o.name);
        assert.equal(d.searchAttributes?.['ElementKey']?.[0], 'http', `${o.name}: and its search attributes`);
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
      if (record) {
        leftBehind.push({ ...o, token: record.token });
        assert.equal((await call('GET', `/instances/${o.id}`)).status, 200, `${o.name}: the API sees the instance it left`);
      } else {
        leftNothing++;
        assert.equal((await call('GET', `/instances/${o.id}`)).status, 404);
      }
    }
    const accounted = [...ok, ...leftBehind];
    t.diagnostic(`${outcomes.length} POSTs: ${ok.length} answered 200; ${failed.length} failed, of which ${leftBehind.length} left a whole instance and ${leftNothing} left nothing`);

    // Nothing else was started: the running instance workflows are exactly the ones accounted for.
    const running = new Set<string>();
    await eventually(
      async () => {
        running.clear();
        for await (const w of client.workflow.list({ query: "WorkflowType = 'instanceWorkflow' AND ExecutionStatus = 'Running'" })) running.add(w.workflowId);
        return running.size === accounted.length ? true : undefined;
      },
      'visibility to list exactly the accounted instances',
      30_000,
      500,
    ).catch(() => undefined);
    assert.deepEqual([...running].sort(), accounted.map((o) => `instance-${o.id}`).sort(), 'no instance beyond the accounted ones');

    // Every one of them polls and delivers its event on its own: nothing waits for a client to retry.
    await eventually(() => accounted.every((o) => receiver.ledger.some((l) => l.instanceId === o.id && l.processed)), 'a delivery from every instance', 90_000, 250).catch(
      (err: Error) => {
        const silent = accounted.filter((o) => !receiver.ledger.some((l) => l.instanceId === o.id && l.processed)).map((o) => `${o.name}${o.status === 200 ? '' : ' (its POST failed)'}`);
        throw new Error(`${err.message}; never delivered: ${silent.join(', ')}`);
      },
    );
    for (const o of accounted) {
      assert.ok((await pollerStatus(client, o.id)).polls >= 1, `${o.name} polls`);
      const events = receiver.ledger.filter((l) => l.instanceId === o.id && l.processed).flatMap((l) => l.keys);
      assert.ok(events.includes(`${o.id}/${record.id}@${record.updatedAt}`));
    }
    // And a client that repeats a failed POST gets the instance it left (creation is idempotent).
    for (const o of leftBehind) {
      const again = await call('POST', '/instances', o.body);
      assert.equal(again.status, 200);
      assert.equal(again.body.id, o.id, `${o.name}: repeating the POST returns the instance it left`);
      assert.equal(again.body.token, o.token);
    }
    for (const o of accounted) await call('DELETE', `/instances/${o.id}`);
  });
});
