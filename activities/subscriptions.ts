/**
 * The activities' side of the delivery path: is a callback URL's subscription backlogged, and hand
 * notifications to it durably (signal-with-start of its workflow).
 */
import { createHash } from 'node:crypto';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { accountSettings, enqueue, subscriptionStatus } from '../workflows/messages';
import { ACCOUNT_WORKFLOW_ID, subscriptionIdOf, type EnqueueRequest, type FailurePolicy, type SubscriptionStatus } from '../workflows/deliveryTypes';
import { subscriptionWorkflow } from '../workflows/subscription';

export function subscriptionWorkflowId(callbackUrl: string): string {
  return subscriptionIdOf(createHash('sha256').update(callbackUrl).digest('hex').slice(0, 24));
}

function isNotFound(err: unknown): boolean {
  return err instanceof WorkflowNotFoundError || (err instanceof Error && /not found|already completed|workflow execution already completed/i.test(err.message));
}

export class SubscriptionGateway {
  private policyCache?: { policy: FailurePolicy; atMs: number };

  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  /** Undefined when the callback has no subscription workflow yet (it never failed): deliver directly. */
  async status(callbackUrl: string): Promise<SubscriptionStatus | undefined> {
    try {
      return await this.client.workflow.getHandle(subscriptionWorkflowId(callbackUrl)).query(subscriptionStatus);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async handOff(callbackUrl: string, request: EnqueueRequest): Promise<void> {
    await this.client.workflow.signalWithStart(subscriptionWorkflow, {
      workflowId: subscriptionWorkflowId(callbackUrl),
      taskQueue: this.taskQueue,
      args: [{ url: callbackUrl }],
      signal: enqueue,
      signalArgs: [request],
    });
  }

  /** The account's failure policy, cached for two seconds per worker. */
  async failurePolicy(nowMs = Date.now()): Promise<FailurePolicy> {
    if (this.policyCache && nowMs - this.policyCache.atMs < 2000) return this.policyCache.policy;
    let policy: FailurePolicy = 'retry';
    try {
      policy = (await this.client.workflow.getHandle(ACCOUNT_WORKFLOW_ID).query(accountSettings))['notification.webhook.failure.policy'];
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    this.policyCache = { policy, atMs: nowMs };
    return policy;
  }
}
