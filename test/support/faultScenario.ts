/**
 * The common shape of a fault scenario: `http` instances polling a provider (through a fault proxy)
 * and notifying a ledger receiver, a workload of creates and updates, a probe that checks every
 * checkpoint it sees against what was delivered, and the settle step that waits for the account.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { subscriptionWorkflowId } from '../../contract/subscriptionId';
import { deliveries, status } from '../../contract/messages';
import type { PollerStatus } from '../../contract/instance';
import type { HttpProvider } from '../fakes/httpProvider';
import { eventKeys, processedKeys, type EventAccount, type FaultProxy, type LedgerReceiver } from './faultFakes';
import { eventually, sleep } from './processes';

export const ISO_MS = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";

/**
 * Errors only from the SDK in this test process: a fault test provokes retries and lost connections
 * on purpose, and their warnings would bury the test's own output. Call before any worker or
 * connection exists (else the SDK's runtime is already installed and this does nothing).
 */
export function quietTemporalLogs(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } } });
  } catch {
    // a runtime exists already: keep its logging
  }
}

/** A reproducible random source (mulberry32); the seed is printed so a failing run can be repeated. */
export function randomSource(seed = Number(process.env.POLLSTER_FAULT_SEED) || Date.now() % 2 ** 31): { seed: number; next(): number; between(a: number, b: number): number } {
  let s = seed >>> 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { seed, next, between: (a, b) => a + Math.floor(next() * (b - a + 1)) };
}

/**
 * An `http` instance on the fake provider behind `proxy` (base.url `<proxy>/p/<name>`, so the proxy
 * knows which instance asked), cursor pagination (keyset: a page never shifts while records change),
 * `pageSize` records a page, polling every 1.2 s.
 */
export function faultInstanceBody(proxy: FaultProxy, receiver: LedgerReceiver, name: string, pageSize = 3, configuration: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    element: { key: 'http' },
    name,
    tags: ['faults'],
    configuration: {
      'base.url': `${proxy.url}/p/${name}`,
      'pagination.type': 'cursor',
      'pagination.cursor.path': 'nextCursor',
      'event.notification.enabled': true,
      'event.notification.callback.url': receiver.url,
      'event.poller.refresh_interval': '0.02',
      'event.poller.configuration': {
        contacts: {
          url: `/contacts?updatedSince=\${gmtDate:${ISO_MS}}&pageSize=${pageSize}`,
          idField: 'id',
          datesConfiguration: { updatedDateField: 'updatedAt', updatedDateFormat: ISO_MS, createdDateField: 'createdAt', createdDateFormat: ISO_MS },
        },
      },
      ...configuration,
    },
  };
}

export interface Version {
  id: string;
  updatedAt: string;
  updatedMs: number;
}

/** Creates and updates records at random intervals; every version it makes is an event each instance must deliver. */
export class Workload {
  readonly versions: Version[] = [];
  private running = false;
  private loop?: Promise<void>;

  constructor(
    private readonly provider: HttpProvider,
    private readonly random: ReturnType<typeof randomSource>,
    private readonly receiver: LedgerReceiver,
    private readonly instanceIds: () => number[],
  ) {}

  create(): Version {
    const c = this.provider.create(`contact ${this.versions.length}`);
    return this.add(c.id, String(c.updatedAt));
  }

  private add(id: string, updatedAt: string): Version {
    const v = { id, updatedAt, updatedMs: Date.parse(updatedAt) };
    this.versions.push(v);
    return v;
  }

  /** Updates a record whose latest version every instance has delivered (so no version is superseded unseen). */
  updateOne(): Version | undefined {
    const done = processedKeys(this.receiver.ledger);
    const latest = new Map<string, Version>();
    for (const v of this.versions) latest.set(v.id, v);
    const candidates = [...latest.values()].filter((v) => this.instanceIds().every((i) => done.has(`${i}/${v.id}@${v.updatedAt}`)));
    if (candidates.length === 0) return undefined;
    const v = candidates[Math.floor(this.random.next() * candidates.length)]!;
    const c = this.provider.update(v.id, `contact ${v.id} v${this.versions.length}`);
    return this.add(c.id, String(c.updatedAt));
  }

  /** Starts changing records every `minMs`–`maxMs` (one in four an update) until stop(). */
  start(minMs = 100, maxMs = 400): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        if (this.random.next() >= 0.25 || !this.updateOne()) this.create();
        await sleep(this.random.between(minMs, maxMs));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  expected(instanceIds: number[]): string[] {
    return instanceIds.flatMap((i) => this.versions.map((v) => `${i}/${v.id}@${v.updatedAt}`));
  }

  lastChangeMs(): number {
    return Math.max(0, ...this.versions.map((v) => v.updatedMs));
  }
}

/** A query that gives up after `ms` (no worker: nobody answers). */
export function withDeadline<T>(client: Client, ms: number, fn: () => Promise<T>): Promise<T> {
  return client.connection.withDeadline(Date.now() + ms, fn);
}

export async function pollerStatus(client: Client, instanceId: number, ms = 5000): Promise<PollerStatus> {
  return withDeadline(client, ms, () => client.workflow.getHandle(`instance-${instanceId}`).query(status));
}

/** Event keys the callback's subscription holds (handed off, not yet delivered). */
export async function pendingKeys(client: Client, callbackUrl: string, ms = 5000): Promise<Set<string>> {
  try {
    const views = await withDeadline(client, ms, () => client.workflow.getHandle(subscriptionWorkflowId(callbackUrl)).query(deliveries));
    return new Set(views.filter((d) => d.status !== 'delivered' && d.payload).flatMap((d) => eventKeys(d.payload!)));
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return new Set();
    throw err;
  }
}

export interface CheckpointViolation {
  instanceId: number;
  checkpoint: string;
  /** Versions dated before the checkpoint that were neither delivered nor held by the retry path. */
  notHandedOff: string[];
}

/**
 * The checkpoint rule as seen from outside: whenever a checkpoint is read, every version dated before it has
 * been delivered or handed to the callback's subscription. Reads happen in that order (checkpoint,
 * then the subscription's queue, then the receiver's ledger), and each can only have grown since.
 */
export class CheckpointProbe {
  readonly violations: CheckpointViolation[] = [];
  samples = 0;
  /** What each sample read (for failure messages and POLLSTER_FAULT_DEBUG). */
  readonly timeline: { atMs: number; instanceId: number; polls: number; state: string; checkpoint?: string; lastError?: string }[] = [];
  /** Samples where the checkpoint had passed at least one version (the check had something to check). */
  effective = 0;
  private running = false;
  private loop?: Promise<void>;

  constructor(
    private readonly client: () => Client,
    private readonly workload: Workload,
    private readonly receiver: LedgerReceiver,
    private readonly instanceIds: number[],
  ) {}

  async sampleOnce(): Promise<void> {
    const client = this.client();
    for (const instanceId of this.instanceIds) {
      const st = await pollerStatus(client, instanceId, 3000);
      const checkpoint = st.resources['contacts']?.checkpoint;
      this.timeline.push({ atMs: Date.now(), instanceId, polls: st.polls, state: st.state, checkpoint, lastError: st.resources['contacts']?.lastError });
      if (!checkpoint) continue;
      const cpMs = Date.parse(checkpoint);
      const pending = await pendingKeys(client, this.receiver.url, 3000);
      const done = processedKeys(this.receiver.ledger);
      const before = this.workload.versions.filter((v) => v.updatedMs < cpMs).map((v) => `${instanceId}/${v.id}@${v.updatedAt}`);
      this.samples++;
      if (before.length > 0) this.effective++;
      const notHandedOff = before.filter((k) => !done.has(k) && !pending.has(k));
      if (notHandedOff.length > 0) this.violations.push({ instanceId, checkpoint, notHandedOff });
    }
  }

  /** Samples every `everyMs` until stop(); failed reads (no worker, no server) are skipped. */
  start(everyMs = 300): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        await this.sampleOnce().catch(() => undefined);
        await sleep(everyMs);
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

/**
 * Waits until the run has settled: every expected event processed by the receiver, nothing pending in
 * the subscription, and each instance's checkpoint past the last change (so it has moved over all of it).
 */
export async function settle(client: () => Client, workload: Workload, receiver: LedgerReceiver, instanceIds: number[], timeoutMs = 90_000): Promise<Record<number, PollerStatus>> {
  const expected = workload.expected(instanceIds);
  const last = workload.lastChangeMs();
  return eventually(
    async () => {
      const done = processedKeys(receiver.ledger);
      if (!expected.every((k) => done.has(k))) return undefined;
      if ((await pendingKeys(client(), receiver.url)).size > 0) return undefined;
      const statuses: Record<number, PollerStatus> = {};
      for (const id of instanceIds) {
        const st = await pollerStatus(client(), id);
        const cp = st.resources['contacts']?.checkpoint;
        if (!cp || Date.parse(cp) <= last) return undefined;
        statuses[id] = st;
      }
      return statuses;
    },
    `every event delivered and every checkpoint past the last change (${expected.length} events expected)`,
    timeoutMs,
    250,
  ).catch(async (err: Error) => {
    const done = processedKeys(receiver.ledger);
    const missing = expected.filter((k) => !done.has(k));
    const statuses = await Promise.all(instanceIds.map((id) => pollerStatus(client(), id).then((st) => JSON.stringify(st), (e: Error) => `${id}: ${e.message}`)));
    throw new Error(`${err.message}; still missing ${missing.length}: ${missing.slice(0, 10).join(', ')}\n${statuses.join('\n')}`);
  });
}

/** Prints the account and checks it: nothing lost, nothing invented, a duplicate only under the id it first went out with. */
export function assertAccount(t: TestContext, account: EventAccount, label = 'account'): void {
  t.diagnostic(`${label}: expected ${account.expected}, received ${account.received}, duplicates ${account.duplicates}, under several ids ${account.underSeveralIds.length}`);
  assert.deepEqual(account.missing, [], 'no event lost');
  assert.deepEqual(account.unexpected, [], 'no event invented');
  assert.equal(account.badIdHeaders, 0, 'Elements-Webhook-Id is the notification id');
  assert.deepEqual(account.underSeveralIds, [], 'every duplicate carries the notification id it was first delivered with');
}
