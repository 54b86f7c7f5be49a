/**
 * In-memory InstanceService and DeliveryService for route tests: instances kept in a map (a repeated create of the
 * same specification returns the first, as the workflow id does in Temporal), every call the routes make recorded.
 */
import type { ApiServices } from '../../api/app';
import type { DeliveryService } from '../../api/deliveries/service';
import type { DeliveryFilter } from '../../api/deliveries/where';
import { dryRunService } from '../../api/dryRun/service';
import { instanceIdFor, newToken } from '../../api/instances/identity';
import type { InstanceEvent, InstanceHealth, InstanceService, ListedInstance, ListFilter, ListPage } from '../../api/instances/service';
import type { ValidInstance } from '../../api/instances/validate';
import { DEFAULT_ACCOUNT_SETTINGS, type AccountSettings, type DeliveryView } from '../../contract/delivery';
import type { HealthState, InstanceRecord, PollerStatus, PollPosition } from '../../contract/instance';

export class FakeInstanceService implements InstanceService {
  readonly records = new Map<number, InstanceRecord>();
  /** Every configure call, with the specification and settings the route derived. */
  readonly configured: { id: number; valid: ValidInstance }[] = [];
  readonly created: ValidInstance[] = [];
  readonly polled: number[] = [];
  /** Each instance's health (healthy when not set). */
  readonly healthById = new Map<number, InstanceHealth>();
  /** What `events` answers for an instance. */
  events: (record: InstanceRecord) => Promise<InstanceEvent[]> = async () => [];

  async create(valid: ValidInstance): Promise<InstanceRecord> {
    this.created.push(structuredClone(valid));
    const id = instanceIdFor(valid.spec);
    const existing = this.records.get(id);
    if (existing) return structuredClone(existing);
    const record: InstanceRecord = { id, token: newToken(id), createdDate: new Date().toISOString(), spec: structuredClone(valid.spec) };
    this.records.set(id, record);
    return structuredClone(record);
  }

  async get(id: number): Promise<InstanceRecord | undefined> {
    const record = this.records.get(id);
    return record && structuredClone(record);
  }

  /** Every list call's filter, in order. */
  readonly listed: ListFilter[] = [];

  async list(filter: ListFilter, page: ListPage): Promise<{ instances: ListedInstance[]; nextPage?: string }> {
    this.listed.push(structuredClone(filter));
    const worst: HealthState[] = ['failing', 'degraded', 'healthy'];
    const all = [...this.records.values()]
      .map((record) => ({ record: structuredClone(record), health: this.healthOf(record.id).state }))
      .filter(({ record, health }) => filter.tags.every((t) => record.spec.tags.includes(t)) && (filter.health.length === 0 || filter.health.includes(health)))
      .sort((a, b) => (filter.orderBy === 'health' ? worst.indexOf(a.health) - worst.indexOf(b.health) : 0) || a.record.id - b.record.id);
    const offset = page.token ? Number(Buffer.from(page.token, 'base64url').toString()) : 0;
    const next = offset + page.size;
    return { instances: all.slice(offset, next), nextPage: next < all.length ? Buffer.from(String(next)).toString('base64url') : undefined };
  }

  private healthOf(id: number): InstanceHealth {
    return this.healthById.get(id) ?? { state: 'healthy', reasons: [] };
  }

  async health(id: number): Promise<InstanceHealth> {
    return structuredClone(this.healthOf(id));
  }

  async healthCounts(): Promise<Record<HealthState, number>> {
    const counts: Record<HealthState, number> = { healthy: 0, degraded: 0, failing: 0 };
    for (const id of this.records.keys()) counts[this.healthOf(id).state]++;
    return counts;
  }

  async configure(id: number, valid: ValidInstance): Promise<InstanceRecord> {
    const record = this.records.get(id);
    if (!record) throw new Error(`configure of instance ${id}, which the route should have found missing`);
    this.configured.push({ id, valid: structuredClone(valid) });
    record.spec = structuredClone(valid.spec);
    return structuredClone(record);
  }

  async pollNow(id: number): Promise<void> {
    this.polled.push(id);
  }

  async delete(id: number): Promise<boolean> {
    return this.records.delete(id);
  }

  async status(id: number): Promise<PollerStatus> {
    return { instanceId: id, state: 'waiting', refreshIntervalMinutes: 15, polls: 0, resources: {} };
  }

  /** The last configure call. */
  get lastConfigured(): { id: number; valid: ValidInstance } | undefined {
    return this.configured.at(-1);
  }
}

export class FakeDeliveryService implements DeliveryService {
  /** The filters `list`, `redeliver` and `retryNow` were called with, and the ids `retryOne` was, in order. */
  readonly listed: DeliveryFilter[] = [];
  readonly redelivered: DeliveryFilter[] = [];
  readonly retried: DeliveryFilter[] = [];
  readonly retriedOne: string[] = [];
  views: DeliveryView[] = [];
  account: AccountSettings = { ...DEFAULT_ACCOUNT_SETTINGS };

  async list(filter: DeliveryFilter): Promise<DeliveryView[]> {
    this.listed.push(filter);
    return this.views;
  }

  async redeliver(filter: DeliveryFilter): Promise<DeliveryView[]> {
    this.redelivered.push(filter);
    return this.views.filter((v) => v.status === 'queued');
  }

  async retryNow(filter: DeliveryFilter): Promise<DeliveryView[]> {
    this.retried.push(filter);
    return this.views.filter((v) => v.status !== 'delivered');
  }

  async retryOne(id: string): Promise<DeliveryView | undefined> {
    this.retriedOne.push(id);
    return this.views.find((v) => v.id === id && v.status !== 'delivered');
  }

  async settings(): Promise<AccountSettings> {
    return this.account;
  }

  async updateSettings(patch: Partial<AccountSettings>): Promise<AccountSettings> {
    this.account = { ...this.account, ...patch };
    return this.account;
  }
}

export interface FakeApiServices extends ApiServices {
  instances: FakeInstanceService;
  deliveries: FakeDeliveryService;
  /** Where each instance's next poll starts, as its workflow would answer (default: nothing polled yet). */
  positions: Map<number, PollPosition>;
}

export function fakeApiServices(): FakeApiServices {
  const instances = new FakeInstanceService();
  const positions = new Map<number, PollPosition>();
  // The real dry runs, reading real providers; only the workflow's pollPosition answer is faked.
  const dryRuns = dryRunService(async (id) => positions.get(id) ?? { resources: {}, enabledAtMs: Date.parse(instances.records.get(id)?.createdDate ?? new Date().toISOString()) });
  return { instances, deliveries: new FakeDeliveryService(), dryRuns, positions, namespace: 'default', checkTemporal: async () => undefined };
}
