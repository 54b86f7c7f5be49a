/**
 * Element instances as Temporal holds them: each is the workflow `instance-<id>`, read through describe() (its
 * memo) and the `status` query. No other store. The routes see only the InstanceService interface.
 */
import { WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
// The list API's own decoding of a raw execution (memo through the codec), for pages the SDK's iterator does not expose.
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers';
import type { DeliveryView, NotificationSummary } from '../../contract/delivery';
import type { Health, HealthState, InstanceRecord, InstanceWorkflowInput, PollerStatus } from '../../contract/instance';
import { configure, deliveries, pollNow, recentNotifications, status as statusQuery } from '../../contract/messages';
import { instanceWorkflowId, TASK_QUEUE, WorkflowType } from '../../contract/names';
import { ElementKey, EventsEnabled, Health as HealthAttribute, InstanceName, InstanceTags, PollerState } from '../../contract/searchAttributes';
import { subscriptionWorkflowId } from '../../contract/subscriptionId';
import { isWorkflowGone } from '../../temporal/errors';
import type { PollsterStore } from '../../store/types';
import { instanceIdFor, newToken } from './identity';
import { carriesTags, HEALTH_WORST_FIRST, healthOf, listQuery } from './visibilityQuery';
import { listPhases, pageCursor, phaseToken, type ListFilter } from './listPhases';
import type { ValidInstance } from './validate';

export interface ListPage {
  size: number;
  /** The token a previous page answered with. */
  token?: string;
}

export type { ListFilter };

/** An instance's health; `since` is absent when only the search attribute could be read. */
export type InstanceHealth = Omit<Health, 'since'> & { since?: string };

/** A listed instance and its health as the Health search attribute holds it (no reasons: those need its status). */
export interface ListedInstance {
  record: InstanceRecord;
  health: HealthState;
}

/** A recent notification with its current delivery status (and the retry path's view of it, if it holds it). */
export type InstanceEvent = NotificationSummary & { delivery?: DeliveryView };

export interface InstanceService {
  /** Starts the instance's workflow, or returns the running one for the same body. */
  create(valid: ValidInstance): Promise<InstanceRecord>;
  /** The running instance, or undefined when there is none (never created, or deleted). */
  get(id: number): Promise<InstanceRecord | undefined>;
  /**
   * A page of the running instances that match the filter, and the token of the next page if there is one. A page may
   * hold fewer than `size` instances (none, even) while a token follows.
   */
  list(filter: ListFilter, page: ListPage): Promise<{ instances: ListedInstance[]; nextPage?: string }>;
  /** The instance's health with its reasons (its status); the search attribute's state alone when the status is not to be had. */
  health(id: number): Promise<InstanceHealth>;
  /** Running instances per health state (visibility counts). */
  healthCounts(): Promise<Record<HealthState, number>>;
  /** Applies a new specification and its settings to the running workflow; checkpoints are kept. */
  configure(id: number, valid: ValidInstance): Promise<InstanceRecord>;
  pollNow(id: number): Promise<void>;
  /** Ends the instance's workflow; false when there was none. */
  delete(id: number): Promise<boolean>;
  status(id: number): Promise<PollerStatus>;
  /** Recent notifications, newest first, with their current delivery status. */
  events(record: InstanceRecord): Promise<InstanceEvent[]>;
}

type InstanceWorkflow = (input: InstanceWorkflowInput) => Promise<void>;

/** Visibility reads one page of GET /instances may take to fill up when tags are checked here (a bound on its cost). */
const MAX_VISIBILITY_READS = 10;

/** How long GET /instances/{id} waits for the status query before it reads the health from the search attribute. */
const STATUS_DEADLINE_MS = 3000;

/** Tries of a configure update: a run that continues as new meanwhile refuses it without applying it. */
const CONFIGURE_ATTEMPTS = 3;

/** Starts an instance's workflow with its memo and search attributes; a running one with its id is kept. */
export async function startInstanceWorkflow(client: Client, record: InstanceRecord, settings: ValidInstance['settings'], taskQueue: string = TASK_QUEUE): Promise<void> {
  const { spec } = record;
  await client.workflow.start<InstanceWorkflow>(WorkflowType.instance, {
    workflowId: instanceWorkflowId(record.id),
    taskQueue,
    args: [{ instance: record, settings }],
    memo: { instance: record },
    typedSearchAttributes: [
      { key: ElementKey, value: spec.elementKey },
      { key: InstanceName, value: spec.name },
      { key: InstanceTags, value: spec.tags },
      { key: EventsEnabled, value: settings.enabled },
      { key: PollerState, value: 'starting' },
      { key: HealthAttribute, value: 'healthy' },
    ],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
}

export class TemporalInstanceService implements InstanceService {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string = TASK_QUEUE,
    /** Pollster's store: what it keeps of an instance goes with the instance. */
    private readonly store?: PollsterStore,
  ) {}

  private handle(id: number): WorkflowHandle<InstanceWorkflow> {
    return this.client.workflow.getHandle<InstanceWorkflow>(instanceWorkflowId(id));
  }

  async create({ spec, settings }: ValidInstance, nowMs = Date.now()): Promise<InstanceRecord> {
    const id = instanceIdFor(spec);
    const record: InstanceRecord = { id, token: newToken(id), createdDate: new Date(nowMs).toISOString(), spec };
    await startInstanceWorkflow(this.client, record, settings, this.taskQueue);
    return (await this.get(id)) ?? record;
  }

  async get(id: number): Promise<InstanceRecord | undefined> {
    try {
      const description = await this.handle(id).describe();
      if (description.status.name !== 'RUNNING') return undefined;
      return (description.memo as { instance?: InstanceRecord } | undefined)?.instance;
    } catch (err) {
      if (isWorkflowGone(err)) return undefined;
      throw err;
    }
  }

  async list(filter: ListFilter, page: ListPage): Promise<{ instances: ListedInstance[]; nextPage?: string }> {
    // A superset comes back when a tag cannot be searched for (visibilityQuery.ts): read on, asking each time for no
    // more rows than the page still needs, so nothing read is ever dropped and the last token resumes exactly. Sorted
    // by health, the list is one visibility listing per state, worst first; the token says which one it is in.
    const phases = listPhases(filter);
    const instances: ListedInstance[] = [];
    let { phase, token } = pageCursor(page.token, phases.length);
    for (let reads = 0; reads < MAX_VISIBILITY_READS && instances.length < page.size && phase < phases.length; reads++) {
      const response = await this.client.workflowService.listWorkflowExecutions({
        namespace: this.client.options.namespace,
        query: listQuery(filter.tags, phases[phase]),
        pageSize: page.size - instances.length,
        nextPageToken: token,
      });
      for (const raw of response.executions) {
        const info = await executionInfoFromRaw(raw, this.client.options.loadedDataConverter, raw, this.client.options.namespace);
        const record = (info.memo as { instance?: InstanceRecord } | undefined)?.instance;
        if (record && carriesTags(record, filter.tags)) instances.push({ record, health: healthOf(info.typedSearchAttributes.get(HealthAttribute)) });
      }
      token = response.nextPageToken && response.nextPageToken.length > 0 ? Buffer.from(response.nextPageToken) : undefined;
      if (!token) phase++;
    }
    return { instances, nextPage: phaseToken(phase, token, phases.length) };
  }

  async health(id: number): Promise<InstanceHealth> {
    try {
      // A status query needs a worker: without one it would wait, so it gets a few seconds.
      const status = await this.client.withDeadline(Date.now() + STATUS_DEADLINE_MS, () => this.status(id));
      if (status.health) return status.health;
    } catch (err) {
      if (isWorkflowGone(err)) throw err;
    }
    const description = await this.handle(id).describe();
    return { state: healthOf(description.typedSearchAttributes.get(HealthAttribute)), reasons: [] };
  }

  async healthCounts(): Promise<Record<HealthState, number>> {
    const counts = await Promise.all(HEALTH_WORST_FIRST.map(async (state) => [state, (await this.client.workflow.count(listQuery([], [state]))).count] as const));
    return Object.fromEntries(counts) as Record<HealthState, number>;
  }

  async configure(id: number, { spec, settings }: ValidInstance): Promise<InstanceRecord> {
    // An update that meets a run as it continues as new is refused by that run, not applied: it goes again, to the new
    // run (applying the same configuration twice changes nothing). A refusal by the workflow itself is final.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.handle(id).executeUpdate(configure, { args: [spec, settings] });
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError || attempt >= CONFIGURE_ATTEMPTS || !(await this.running(id))) throw err;
        await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
      }
    }
  }

  private async running(id: number): Promise<boolean> {
    return (await this.handle(id).describe().catch(() => undefined))?.status.name === 'RUNNING';
  }

  async pollNow(id: number): Promise<void> {
    await this.handle(id).signal(pollNow);
  }

  async delete(id: number): Promise<boolean> {
    if (!(await this.get(id))) return false;
    await this.handle(id).terminate('instance deleted through the API');
    await this.store?.forgetInstance(id);
    return true;
  }

  async status(id: number): Promise<PollerStatus> {
    return this.handle(id).query(statusQuery);
  }

  /**
   * The instance remembers how a poll left its notifications; the callback's subscription knows what happened
   * since.
   */
  async events(record: InstanceRecord): Promise<InstanceEvent[]> {
    const recent = await this.handle(record.id).query(recentNotifications);
    const url = record.spec.configuration['event.notification.callback.url'];
    const byId = new Map<string, DeliveryView>();
    if (url && recent.some((n) => n.status !== 'delivered')) {
      try {
        for (const d of await this.client.workflow.getHandle(subscriptionWorkflowId(url)).query(deliveries)) byId.set(d.id, d);
      } catch (err) {
        if (!isWorkflowGone(err)) throw err;
      }
    }
    return [...recent].reverse().map((n) => {
      const delivery = n.status === 'delivered' ? undefined : byId.get(n.id);
      return { ...n, status: delivery?.status ?? n.status, delivery };
    });
  }
}
