/**
 * Element instances as Temporal holds them: each is the workflow `instance-<id>`, read through
 * describe() (its memo) and the `status` query. No other store.
 */
import { createHash, randomBytes } from 'node:crypto';
import { WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { InstanceSpec } from '../core/config';
import { TASK_QUEUE } from '../temporal/config';
import { ElementKey, EventsEnabled, InstanceName, InstanceTags, PollerState } from '../temporal/searchAttributes';
import { instanceWorkflow } from '../workflows/instance';
import { configure, deliveries, pollNow, recentNotifications, status as statusQuery } from '../workflows/messages';
import { subscriptionWorkflowId } from '../activities/subscriptions';
import type { DeliveryView, NotificationSummary } from '../workflows/deliveryTypes';
import { workflowIdOf, type InstanceRecord, type PollerStatus } from '../workflows/types';

/** A stable id for a request body, so a repeated POST addresses the same instance (idempotency). */
export function instanceIdFor(canonical: unknown): number {
  const digest = createHash('sha256').update(canonicalJson(canonical)).digest();
  return digest.readUIntBE(0, 6) || 1;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** `<id>.<random>`: the token names its instance, so `Element <token>` needs no lookup table. */
export function newToken(id: number): string {
  return `${Buffer.from(String(id)).toString('base64url')}.${randomBytes(24).toString('base64url')}`;
}

export function instanceIdOfToken(token: string): number | undefined {
  const id = Number(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString());
  return Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

/** Starts an instance's workflow with its memo and search attributes; a running one with its id is kept. */
export async function startInstanceWorkflow(client: Client, record: InstanceRecord, taskQueue: string = TASK_QUEUE): Promise<void> {
  const { spec } = record;
  await client.workflow.start(instanceWorkflow, {
    workflowId: workflowIdOf(record.id),
    taskQueue,
    args: [{ instance: record }],
    memo: { instance: record },
    typedSearchAttributes: [
      { key: ElementKey, value: spec.elementKey },
      { key: InstanceName, value: spec.name },
      { key: InstanceTags, value: spec.tags },
      { key: EventsEnabled, value: spec.configuration['event.notification.enabled'] === 'true' },
      { key: PollerState, value: 'starting' },
    ],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
}

const LIST_QUERY = `WorkflowType = 'instanceWorkflow' AND ExecutionStatus = 'Running'`;

export class InstanceService {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string = TASK_QUEUE,
  ) {}

  private handle(id: number): WorkflowHandle<typeof instanceWorkflow> {
    return this.client.workflow.getHandle<typeof instanceWorkflow>(workflowIdOf(id));
  }

  /** Starts the instance workflow, or returns the running one for the same body. */
  async create(spec: InstanceSpec, nowMs = Date.now()): Promise<InstanceRecord> {
    const id = instanceIdFor(spec);
    const record: InstanceRecord = { id, token: newToken(id), createdDate: new Date(nowMs).toISOString(), spec };
    await startInstanceWorkflow(this.client, record, this.taskQueue);
    return (await this.get(id)) ?? record;
  }

  /** The running instance, or undefined when there is none (never created, or deleted). */
  async get(id: number): Promise<InstanceRecord | undefined> {
    try {
      const description = await this.handle(id).describe();
      if (description.status.name !== 'RUNNING') return undefined;
      return (description.memo as { instance?: InstanceRecord } | undefined)?.instance;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  }

  /** Running instances, optionally only those carrying every one of `tags` (visibility: eventually consistent). */
  async list(tags: string[] = []): Promise<InstanceRecord[]> {
    const query = [LIST_QUERY, ...tags.map((t) => `InstanceTags = '${t.replace(/'/g, "\\'")}'`)].join(' AND ');
    const out: InstanceRecord[] = [];
    for await (const wf of this.client.workflow.list({ query })) {
      const record = (wf.memo as { instance?: InstanceRecord } | undefined)?.instance;
      if (record) out.push(record);
    }
    return out.sort((a, b) => a.id - b.id);
  }

  /** Applies a new specification to the running workflow (the `configure` update); checkpoints are kept. */
  async configure(id: number, spec: InstanceSpec): Promise<InstanceRecord> {
    return this.handle(id).executeUpdate(configure, { args: [spec] });
  }

  async pollNow(id: number): Promise<void> {
    await this.handle(id).signal(pollNow);
  }

  async delete(id: number): Promise<boolean> {
    if (!(await this.get(id))) return false;
    await this.handle(id).terminate('instance deleted through the API');
    return true;
  }

  async status(id: number): Promise<PollerStatus> {
    return this.handle(id).query(statusQuery);
  }

  /**
   * The instance's recent notifications, newest first, each with its current delivery status: the
   * instance remembers how a poll left them; the callback's subscription knows what happened since.
   */
  async events(record: InstanceRecord): Promise<(NotificationSummary & { delivery?: DeliveryView })[]> {
    const recent = await this.handle(record.id).query(recentNotifications);
    const url = record.spec.configuration['event.notification.callback.url'];
    const byId = new Map<string, DeliveryView>();
    if (url && recent.some((n) => n.status !== 'delivered')) {
      try {
        for (const d of await this.client.workflow.getHandle(subscriptionWorkflowId(url)).query(deliveries)) byId.set(d.id, d);
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    }
    return [...recent].reverse().map((n) => {
      const delivery = n.status === 'delivered' ? undefined : byId.get(n.id);
      return { ...n, status: delivery?.status ?? n.status, delivery };
    });
  }
}
