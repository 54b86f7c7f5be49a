/**
 * The activities' side of the delivery path: is a callback URL's subscription backlogged, and hand notifications to
 * it durably (signal-with-start of its workflow, by type name).
 */
import type { Client } from '@temporalio/client';
import { ACCOUNT_WORKFLOW_ID, WorkflowType } from '../contract/names';
import { subscriptionWorkflowId } from '../contract/subscriptionId';
import { accountSettings, enqueue, subscriptionStatus } from '../contract/messages';
import type { EnqueueRequest, FailurePolicy, SubscriptionInput, SubscriptionStatus } from '../contract/delivery';
import { isWorkflowGone } from '../temporal/errors';

/** What a page run needs of the delivery path. */
export interface SubscriptionGateway {
  /** Undefined when notifications may go directly: no subscription (it never failed), or one active with nothing pending. */
  status(callbackUrl: string): Promise<SubscriptionStatus | undefined>;
  /** Hands notifications to the callback's subscription, starting it if needed. Durable once it returns. */
  handOff(callbackUrl: string, request: EnqueueRequest): Promise<void>;
  /** The account's failure policy. */
  failurePolicy(): Promise<FailurePolicy>;
}

/**
 * How long "deliver directly" (no subscription, or one that is active with nothing pending) stands
 * without asking again. A page run asks per page; at a few pages per second the query was a quarter
 * of the cost of a page. What goes stale is harmless: a notification that fails in the meantime is
 * handed off like any other, and this worker's own hand-offs clear the entry.
 */
const DIRECT_STATUS_CACHE_MS = 1000;
const POLICY_CACHE_MS = 2000;

export class TemporalSubscriptionGateway implements SubscriptionGateway {
  private policyCache?: { policy: FailurePolicy; atMs: number };
  private readonly directUntil = new Map<string, number>();

  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  async status(callbackUrl: string, nowMs = Date.now()): Promise<SubscriptionStatus | undefined> {
    if ((this.directUntil.get(callbackUrl) ?? 0) > nowMs) return undefined;
    let status: SubscriptionStatus | undefined;
    try {
      status = await this.client.workflow.getHandle(subscriptionWorkflowId(callbackUrl)).query(subscriptionStatus);
    } catch (err) {
      if (!isWorkflowGone(err)) throw err;
    }
    if (!status || (status.state === 'active' && status.pending === 0)) this.directUntil.set(callbackUrl, nowMs + DIRECT_STATUS_CACHE_MS);
    else this.directUntil.delete(callbackUrl);
    return status;
  }

  async handOff(callbackUrl: string, request: EnqueueRequest): Promise<void> {
    this.directUntil.delete(callbackUrl);
    // A new subscription runs the current workflow (a running one, whatever its version, just gets the signal).
    const input: SubscriptionInput = { url: callbackUrl, version: 2 };
    await this.client.workflow.signalWithStart(WorkflowType.subscription, {
      workflowId: subscriptionWorkflowId(callbackUrl),
      taskQueue: this.taskQueue,
      args: [input],
      signal: enqueue,
      signalArgs: [request],
    });
  }

  async failurePolicy(nowMs = Date.now()): Promise<FailurePolicy> {
    if (this.policyCache && nowMs - this.policyCache.atMs < POLICY_CACHE_MS) return this.policyCache.policy;
    let policy: FailurePolicy = 'retry';
    try {
      policy = (await this.client.workflow.getHandle(ACCOUNT_WORKFLOW_ID).query(accountSettings))['notification.webhook.failure.policy'];
    } catch (err) {
      if (!isWorkflowGone(err)) throw err;
    }
    this.policyCache = { policy, atMs: nowMs };
    return policy;
  }
}
