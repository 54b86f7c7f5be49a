/**
 * Workflow interceptor for fault tests (runs inside the workflow sandbox): shorter start-to-close
 * timeouts for Pollster's activities. None of them heartbeats, so with the production timeouts
 * (pollPage 2 min, attemptDelivery and deliverNotification 45 s) the server notices a SIGKILLed worker's activity only
 * after that long; the workflow code itself is unchanged.
 */
import type { ActivityInput, Next, WorkflowInterceptorsFactory, WorkflowOutboundCallsInterceptor } from '@temporalio/workflow';

export const FAULT_ACTIVITY_TIMEOUTS: Record<string, string> = {
  // Well above a page's usual second, even on a loaded 2-core machine, well below 2 minutes.
  pollPage: '8 seconds',
  attemptDelivery: '8 seconds',
  deliverNotification: '8 seconds',
};

class ShortTimeouts implements WorkflowOutboundCallsInterceptor {
  scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>): Promise<unknown> {
    const short = FAULT_ACTIVITY_TIMEOUTS[input.activityType];
    return next(short ? { ...input, options: { ...input.options, startToCloseTimeout: short } } : input);
  }
}

export const interceptors: WorkflowInterceptorsFactory = () => ({ outbound: [new ShortTimeouts()] });
