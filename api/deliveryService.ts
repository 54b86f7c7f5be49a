/**
 * Deliveries and account settings, read from and sent to the workflows that hold them: one
 * subscription workflow per callback URL, one account workflow.
 */
import { WithStartWorkflowOperation, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { subscriptionWorkflowId } from '../activities/subscriptions';
import { TASK_QUEUE } from '../temporal/config';
import { accountWorkflow, DEFAULT_ACCOUNT_SETTINGS } from '../workflows/account';
import { ACCOUNT_WORKFLOW_ID, type AccountSettings, type DeliveryStatus, type DeliveryView } from '../workflows/deliveryTypes';
import { accountSettings, deliveries, redeliver, updateAccountSettings } from '../workflows/messages';
import { ApiError } from './errors';

export interface DeliveryFilter {
  channel?: string;
  status?: DeliveryStatus;
  url?: string;
}

/** `channel='webhook' and status='queued' and config.url='https://...'` (SPEC §3). */
export function parseDeliveryWhere(where: string | undefined): DeliveryFilter {
  const filter: DeliveryFilter = {};
  if (!where || where.trim() === '') return filter;
  for (const clause of where.split(/\s+and\s+/i)) {
    const m = /^\s*(channel|status|config\.url)\s*=\s*'((?:[^']|'')*)'\s*$/i.exec(clause);
    if (!m) throw new ApiError(400, `where: cannot read '${clause.trim()}'`, [{ path: 'query.where', message: "expected key='value' clauses joined by and; keys: channel, status, config.url" }]);
    const key = m[1]!.toLowerCase();
    const value = m[2]!.replace(/''/g, "'");
    if (key === 'channel') filter.channel = value;
    else if (key === 'config.url') filter.url = value;
    else if (value === 'queued' || value === 'retry' || value === 'delivered') filter.status = value;
    else throw new ApiError(400, `where: unknown status '${value}'`, [{ path: 'query.where', message: "status is one of 'retry', 'queued', 'delivered'" }]);
  }
  return filter;
}

function isGone(err: unknown): boolean {
  return err instanceof WorkflowNotFoundError || (err instanceof Error && /not found|already completed/i.test(err.message));
}

export class DeliveryService {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string = TASK_QUEUE,
  ) {}

  private async subscriptionIds(filter: DeliveryFilter): Promise<string[]> {
    if (filter.url) return [subscriptionWorkflowId(filter.url)];
    const ids: string[] = [];
    for await (const wf of this.client.workflow.list({ query: `WorkflowType = 'subscriptionWorkflow' AND ExecutionStatus = 'Running'` })) ids.push(wf.workflowId);
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
        if (!isGone(err)) throw err;
      }
    }
    return out;
  }

  /** Reactivates every subscription that holds matching queued deliveries; returns those deliveries. */
  async redeliver(filter: DeliveryFilter): Promise<DeliveryView[]> {
    const queued = await this.list({ ...filter, status: filter.status ?? 'queued' });
    const urls = [...new Set(queued.filter((d) => d.status === 'queued').map((d) => d.config.url))];
    await Promise.all(urls.map((url) => this.client.workflow.getHandle(subscriptionWorkflowId(url)).signal(redeliver)));
    return queued.filter((d) => d.status === 'queued');
  }

  async settings(): Promise<AccountSettings> {
    try {
      return await this.client.workflow.getHandle(ACCOUNT_WORKFLOW_ID).query(accountSettings);
    } catch (err) {
      if (isGone(err)) return DEFAULT_ACCOUNT_SETTINGS;
      throw err;
    }
  }

  async updateSettings(patch: Partial<AccountSettings>): Promise<AccountSettings> {
    return this.client.workflow.executeUpdateWithStart(updateAccountSettings, {
      args: [patch],
      startWorkflowOperation: new WithStartWorkflowOperation(accountWorkflow, {
        workflowId: ACCOUNT_WORKFLOW_ID,
        taskQueue: this.taskQueue,
        args: [{}],
        workflowIdConflictPolicy: 'USE_EXISTING',
      }),
    });
  }
}
