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

/**
 * How long "deliver directly" (no subscription, or one that is active with nothing pending) stands
 * without asking again. A page run asks per page; at a few pages per second the query was a quarter
 * of the cost of a page. What goes stale is harmless: a notification that fails in the meantime is
 * handed off like any other, and this worker's own hand-offs clear the entry.
 */
const DIRECT_STATUS_CACHE_MS = 1000;

export class SubscriptionGateway {
  private policyCache?: { policy: FailurePolicy; atMs: number };
  private readonly directUntil = new Map<string, number>();

  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  /** Undefined when notifications may go directly: no subscription workflow yet (it never failed), or a recent answer said so. */
  async status(callbackUrl: string, nowMs = Date.now()): Promise<SubscriptionStatus | undefined> {
    if ((this.directUntil.get(callbackUrl) ?? 0) > nowMs) return undefined;
    let status: SubscriptionStatus | undefined;
    try {
      status = await this.client.workflow.getHandle(subscriptionWorkflowId(callbackUrl)).query(subscriptionStatus);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (!status || (status.state === 'active' && status.pending === 0)) this.directUntil.set(callbackUrl, nowMs + DIRECT_STATUS_CACHE_MS);
    else this.directUntil.delete(callbackUrl);
    return status;
  }

  async handOff(callbackUrl: string, request: EnqueueRequest): Promise<void> {
    this.directUntil.delete(callbackUrl);
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
