/**
 * Deliveries and account settings, read from and sent to the workflows that hold them: one subscription workflow
 * per callback URL, one account workflow. The routes see only the DeliveryService interface.
 */
import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import { DEFAULT_ACCOUNT_SETTINGS, type AccountInput, type AccountSettings, type DeliveryView } from '../../contract/delivery';
import { accountSettings, deliveries, redeliver, updateAccountSettings } from '../../contract/messages';
import { ACCOUNT_WORKFLOW_ID, TASK_QUEUE, WorkflowType } from '../../contract/names';
import { subscriptionWorkflowId } from '../../contract/subscriptionId';
import { isWorkflowGone } from '../../temporal/errors';
import type { DeliveryFilter } from './where';

export interface DeliveryService {
  list(filter: DeliveryFilter): Promise<DeliveryView[]>;
  /** Reactivates every subscription that holds matching queued deliveries; returns those deliveries. */
  redeliver(filter: DeliveryFilter): Promise<DeliveryView[]>;
  settings(): Promise<AccountSettings>;
  updateSettings(patch: Partial<AccountSettings>): Promise<AccountSettings>;
}

export class TemporalDeliveryService implements DeliveryService {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string = TASK_QUEUE,
  ) {}

  private async subscriptionIds(filter: DeliveryFilter): Promise<string[]> {
    if (filter.url) return [subscriptionWorkflowId(filter.url)];
    const ids: string[] = [];
    for await (const wf of this.client.workflow.list({ query: `WorkflowType = '${WorkflowType.subscription}' AND ExecutionStatus = 'Running'` })) ids.push(wf.workflowId);
    return ids;
  }

  async list(filter: DeliveryFilter): Promise<DeliveryView[]> {
    if (filter.channel && filter.channel !== 'webhook') return [];
    const out: DeliveryView[] = [];
    for (const id of await this.subscriptionIds(filter)) {
      try {
        const views = await this.client.workflow.getHandle(id).query(deliveries);
        out.push(...views.filter((v) => !filter.status || v.status === filter.status));
      } catch (err) {
        if (!isWorkflowGone(err)) throw err;
      }
    }
    return out;
  }

  async redeliver(filter: DeliveryFilter): Promise<DeliveryView[]> {
    const queued = (await this.list({ ...filter, status: filter.status ?? 'queued' })).filter((d) => d.status === 'queued');
    const urls = [...new Set(queued.map((d) => d.config.url))];
    await Promise.all(urls.map((url) => this.client.workflow.getHandle(subscriptionWorkflowId(url)).signal(redeliver)));
    return queued;
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
