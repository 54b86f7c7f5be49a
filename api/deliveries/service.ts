/**
 * Deliveries and account settings. What is pending (retrying or queued) is read live from the workflows that hold it,
 * one subscription workflow per callback URL; what was delivered, from the delivery log in Pollster's store; the
 * account's settings from its workflow. The routes see only the DeliveryService interface.
 */
import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import { DEFAULT_ACCOUNT_SETTINGS, type AccountInput, type AccountSettings, type DeliveryView } from '../../contract/delivery';
import { accountSettings, deliveries, redeliver, retryNow, updateAccountSettings } from '../../contract/messages';
import { ACCOUNT_WORKFLOW_ID, TASK_QUEUE, WorkflowType } from '../../contract/names';
import { subscriptionWorkflowId } from '../../contract/subscriptionId';
import { isWorkflowGone } from '../../temporal/errors';
import type { PollsterStore } from '../../store/types';
import { deliveredFromLog } from './deliveredLog';
import type { DeliveryFilter } from './where';

export interface DeliveryService {
  /** Pending deliveries (live, in each queue's order), then delivered ones (newest first). */
  list(filter: DeliveryFilter): Promise<DeliveryView[]>;
  /** Reactivates every subscription that holds matching queued deliveries; returns those deliveries. */
  redeliver(filter: DeliveryFilter): Promise<DeliveryView[]>;
  /**
   * Retry now: every pending delivery matching the filter (`retry` or `queued`) is tried at once, after the ones
   * ahead of it in its queue; a deactivated subscription is reactivated. Returns those deliveries.
   */
  retryNow(filter: DeliveryFilter): Promise<DeliveryView[]>;
  /** Retry one pending notification now; undefined when no subscription holds it. */
  retryOne(id: string): Promise<DeliveryView | undefined>;
  settings(): Promise<AccountSettings>;
  updateSettings(patch: Partial<AccountSettings>): Promise<AccountSettings>;
}

export class TemporalDeliveryService implements DeliveryService {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string = TASK_QUEUE,
    /** The delivery log; without it the delivered list is what the subscriptions remember (those that went through one). */
    private readonly store?: PollsterStore,
  ) {}

  private async subscriptionIds(filter: DeliveryFilter): Promise<string[]> {
    if (filter.url) return [subscriptionWorkflowId(filter.url)];
    const ids: string[] = [];
    for await (const wf of this.client.workflow.list({ query: `WorkflowType = '${WorkflowType.subscription}' AND ExecutionStatus = 'Running'` })) ids.push(wf.workflowId);
    return ids;
  }

  /** What the subscriptions answer (pending first, then the delivered they remember). */
  private async subscriptionViews(filter: DeliveryFilter): Promise<DeliveryView[]> {
    const out: DeliveryView[] = [];
    for (const id of await this.subscriptionIds(filter)) {
      try {
        out.push(...(await this.client.workflow.getHandle(id).query(deliveries)));
      } catch (err) {
        if (!isWorkflowGone(err)) throw err;
      }
    }
    return out;
  }

  private async pending(filter: DeliveryFilter): Promise<DeliveryView[]> {
    return (await this.subscriptionViews(filter)).filter((v) => v.status !== 'delivered' && (!filter.status || v.status === filter.status));
  }

  private async delivered(filter: DeliveryFilter): Promise<DeliveryView[]> {
    if (this.store) return deliveredFromLog(this.store, filter.url);
    return (await this.subscriptionViews(filter)).filter((v) => v.status === 'delivered');
  }

  async list(filter: DeliveryFilter): Promise<DeliveryView[]> {
    if (filter.channel && filter.channel !== 'webhook') return [];
    if (filter.status === 'delivered') return this.delivered(filter);
    if (filter.status) return this.pending(filter);
    const [pending, delivered] = await Promise.all([this.pending(filter), this.delivered(filter)]);
    return [...pending, ...delivered];
  }

  async redeliver(filter: DeliveryFilter): Promise<DeliveryView[]> {
    if (filter.channel && filter.channel !== 'webhook') return [];
    const queued = (await this.pending({ ...filter, status: filter.status ?? 'queued' })).filter((d) => d.status === 'queued');
    const urls = [...new Set(queued.map((d) => d.config.url))];
    await Promise.all(urls.map((url) => this.client.workflow.getHandle(subscriptionWorkflowId(url)).signal(redeliver)));
    return queued;
  }

  async retryNow(filter: DeliveryFilter): Promise<DeliveryView[]> {
    if (filter.channel && filter.channel !== 'webhook') return [];
    const matching = await this.pending(filter);
    const byUrl = new Map<string, string[]>();
    for (const d of matching) byUrl.set(d.config.url, [...(byUrl.get(d.config.url) ?? []), d.id]);
    await Promise.all([...byUrl].map(([url, ids]) => this.signalRetryNow(url, ids)));
    return matching;
  }

  async retryOne(id: string): Promise<DeliveryView | undefined> {
    // The delivery log names its callback (one subscription to ask); without it, every subscription is asked.
    const url = (await this.store?.notification(id))?.callbackUrl;
    const held = (await this.pending({ url })).find((d) => d.id === id);
    if (!held) return undefined;
    await this.signalRetryNow(held.config.url, [id]);
    return held;
  }

  private async signalRetryNow(url: string, ids: string[]): Promise<void> {
    try {
      await this.client.workflow.getHandle(subscriptionWorkflowId(url)).signal(retryNow, ids);
    } catch (err) {
      // Gone since it was read: nothing of it is pending any more.
      if (!isWorkflowGone(err)) throw err;
    }
  }

  async settings(): Promise<AccountSettings> {
    try {
      return await this.client.workflow.getHandle(ACCOUNT_WORKFLOW_ID).query(accountSettings);
    } catch (err) {
      if (isWorkflowGone(err)) return DEFAULT_ACCOUNT_SETTINGS;
      throw err;
    }
  }

  async updateSettings(patch: Partial<AccountSettings>): Promise<AccountSettings> {
    return this.client.workflow.executeUpdateWithStart(updateAccountSettings, {
      args: [patch],
      startWorkflowOperation: new WithStartWorkflowOperation<(input: AccountInput) => Promise<void>>(WorkflowType.account, {
        workflowId: ACCOUNT_WORKFLOW_ID,
        taskQueue: this.taskQueue,
        args: [{}],
        workflowIdConflictPolicy: 'USE_EXISTING',
      }),
    });
  }
}
