/**
 * Workflow interceptor for fault tests (runs inside the workflow sandbox): shorter timeouts for Pollster's
 * activities. pollPage, attemptDelivery and deliverNotification do not heartbeat, so with the production timeouts
 * (pollPage 2 min, attemptDelivery and deliverNotification 45 s) the server notices a SIGKILLed worker's activity only
 * after that long; an id scan heartbeats each page, but its production heartbeat timeout is 2 minutes. The workflow
 * code itself is unchanged.
 */
import type { ActivityInput, Next, WorkflowInterceptorsFactory, WorkflowOutboundCallsInterceptor } from '@temporalio/workflow';

export const FAULT_ACTIVITY_TIMEOUTS: Record<string, string> = {
  // Well above a page's usual second, even on a loaded 2-core machine, well below 2 minutes.
  pollPage: '8 seconds',
  attemptDelivery: '8 seconds',
  deliverNotification: '8 seconds',
};

/** A scan heartbeats after each page and each group of deleted ids handed off: a few seconds apart at most. */
export const FAULT_HEARTBEAT_TIMEOUTS: Record<string, string> = {
  scanIds: '8 seconds',
};

class ShortTimeouts implements WorkflowOutboundCallsInterceptor {
  scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>): Promise<unknown> {
    const short = FAULT_ACTIVITY_TIMEOUTS[input.activityType];
    const heartbeat = FAULT_HEARTBEAT_TIMEOUTS[input.activityType];
    if (!short && !heartbeat) return next(input);
    return next({
      ...input,
      options: { ...input.options, ...(short ? { startToCloseTimeout: short } : {}), ...(heartbeat ? { heartbeatTimeout: heartbeat } : {}) },
    });
  }
}

export const interceptors: WorkflowInterceptorsFactory = () => ({ outbound: [new ShortTimeouts()] });
