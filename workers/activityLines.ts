/**
 * What the worker prints about an activity it ran: a poll's outcome per resource, a delivery from the retry path,
 * and every failed attempt, as one line with its cause. Pure: the interceptor in activityLog.ts prints these.
 */
import type { AuthenticateInput, CheckResourcesInput, PollPageInput, PollPageResult, ResourceCheck } from '../contract/activities';
import type { DeliveryAttempt, DeliveryAttemptResult, PendingNotification } from '../contract/delivery';
import { dueAtMs, isLastAttempt, nextAttemptAfter } from '../contract/retryPolicy';
import { errorText } from '../log/errorText';

export interface ActivityLine {
  level: 'debug' | 'info' | 'warn';
  text: string;
  fields: Record<string, unknown>;
}

export interface ActivityRun {
  activityType: string;
  attempt: number;
  workflowId?: string;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Origin and path only: a callback URL's user info and query may hold credentials. */
export function safeUrl(text: string): string {
  try {
    const url = new URL(text);
    return `${url.origin}${url.pathname}`;
  } catch {
    return '(not a URL)';
  }
}

const instanceLabel = (instance: { id: number; name: string }): string => `instance ${instance.id} (${instance.name})`;

function seconds(delay: unknown): string | undefined {
  if (typeof delay !== 'number' || !Number.isFinite(delay)) return typeof delay === 'string' ? delay : undefined;
  return delay < 1000 ? `${Math.round(delay)} ms` : `${Math.round(delay / 100) / 10} s`;
}

function notificationsText(result: PollPageResult): string {
  const n = result.notifications.length;
  if (n === 0) return '';
  const counts = new Map<string, number>();
  for (const s of result.notifications) counts.set(s.status, (counts.get(s.status) ?? 0) + 1);
  const words: Record<string, string> = { delivered: 'delivered', retry: 'to the retry path', queued: 'queued' };
  const parts = [...counts].map(([status, count]) => (counts.size === 1 ? words[status] ?? status : `${count} ${words[status] ?? status}`));
  return `; ${plural(n, 'notification')} ${parts.join(', ')}`;
}

function pollPageLine(input: PollPageInput, result: PollPageResult): ActivityLine {
  const problems = result.problems > 0 ? `, ${plural(result.problems, 'problem')}` : '';
  const more = result.nextPageToken !== undefined ? '; more pages next' : '';
  return {
    level: 'info',
    text: `${instanceLabel(input.instance)} ${input.resourceName}: ${plural(result.records, 'record')}, ${plural(result.events, 'event')}${problems}${notificationsText(result)}${more}`,
    fields: { instanceId: input.instance.id, resource: input.resourceName, records: result.records, events: result.events, problems: result.problems, notifications: result.notifications.length },
  };
}

function checkLine(input: CheckResourcesInput, result: Record<string, ResourceCheck>): ActivityLine {
  const checks = Object.entries(result);
  const busy = checks.filter(([, c]) => !c.quiet).map(([name]) => name);
  const fields = { instanceId: input.instance.id, resources: checks.length, changed: busy };
  if (busy.length > 0) return { level: 'debug', text: `${instanceLabel(input.instance)}: reading the pages of ${busy.join(', ')}`, fields };
  const records = checks.reduce((sum, [, c]) => sum + (c.quiet ? c.records : 0), 0);
  return { level: 'info', text: `${instanceLabel(input.instance)}: polled, nothing new (${plural(records, 'record')} read)`, fields };
}

/**
 * A queued notification's attempt: delivered, or failed with its cause and when the schedule (or the receiver's
 * Retry-After) brings the next one. Retry now and the rate limit may move that time; the deliveries list has it live.
 */
function attemptLine(attempt: DeliveryAttempt, result: DeliveryAttemptResult): ActivityLine {
  const { item } = attempt;
  const id = item.notification.id;
  const fields = { notificationId: id, instanceId: item.instanceId, attempts: result.attempts };
  if (result.ok) return { level: 'info', text: `notification ${id} delivered to ${safeUrl(item.callbackUrl)} (attempt ${result.attempts})`, fields };
  let next = '; no more tries';
  if (!isLastAttempt(result, result.attempts)) {
    const due = dueAtMs(nextAttemptAfter({ attempts: result.attempts, firstFailureAtMs: item.firstFailureAtMs ?? result.atMs, failedAtMs: result.atMs, retryAfterMs: result.retryAfterMs, scale: result.retryScale }))!;
    const asked = result.retryAfterMs === undefined ? '' : `, the receiver asked for ${seconds(result.retryAfterMs)} (Retry-After)`;
    next = `; next try in ${seconds(Math.max(0, due - result.atMs))}${asked}`;
  }
  return { level: 'warn', text: `notification ${id} to ${safeUrl(item.callbackUrl)}: ${result.error ?? `callback answered ${result.status}`} (attempt ${result.attempts})${next}`, fields };
}

/** The line for an attempt that returned; undefined for nothing worth a line. */
export function completedLine(run: ActivityRun, input: unknown, result: unknown): ActivityLine | undefined {
  switch (run.activityType) {
    case 'pollPage':
      return pollPageLine(input as PollPageInput, result as PollPageResult);
    case 'checkResources':
      return checkLine(input as CheckResourcesInput, result as Record<string, ResourceCheck>);
    case 'attemptDelivery':
      return attemptLine(input as DeliveryAttempt, result as DeliveryAttemptResult);
    case 'deliverNotification': {
      const item = input as PendingNotification;
      return { level: 'info', text: `notification ${item.notification.id} delivered to ${safeUrl(item.callbackUrl)} (attempt ${String(result)})`, fields: { notificationId: item.notification.id, instanceId: item.instanceId, attempts: result } };
    }
    default:
      return { level: 'debug', text: `${run.workflowId ?? ''} ${run.activityType} done (attempt ${run.attempt})`.trim(), fields: {} };
  }
}

/** The line for an attempt that failed: the cause in one line (the stack is in the SDK's own entry, at debug). */
export function failedLine(run: ActivityRun, input: unknown, err: unknown): ActivityLine {
  const cause = errorText(err);
  const fields = { activityType: run.activityType, attempt: run.attempt, workflowId: run.workflowId, cause };
  switch (run.activityType) {
    case 'pollPage': {
      const page = input as PollPageInput;
      return { level: 'warn', text: `${instanceLabel(page.instance)} ${page.resourceName}: poll failed (attempt ${run.attempt}): ${cause}`, fields: { ...fields, instanceId: page.instance.id, resource: page.resourceName } };
    }
    case 'checkResources': {
      const check = input as CheckResourcesInput;
      return { level: 'warn', text: `${instanceLabel(check.instance)}: first pages failed (attempt ${run.attempt}): ${cause}`, fields: { ...fields, instanceId: check.instance.id } };
    }
    case 'authenticate': {
      const auth = input as AuthenticateInput;
      return { level: 'warn', text: `${run.workflowId ?? auth.elementKey} ${auth.elementKey}: token exchange failed (attempt ${run.attempt}): ${cause}`, fields };
    }
    case 'deliverNotification': {
      const item = input as PendingNotification;
      const failure = err as { nonRetryable?: unknown; nextRetryDelay?: unknown };
      const next = failure.nonRetryable === true ? '; no more tries' : seconds(failure.nextRetryDelay) ? `; next try in ${seconds(failure.nextRetryDelay)}` : '';
      return { level: 'warn', text: `notification ${item.notification.id} to ${safeUrl(item.callbackUrl)}: ${cause}${next}`, fields: { ...fields, notificationId: item.notification.id, instanceId: item.instanceId } };
    }
    default:
      return { level: 'warn', text: `${run.workflowId ?? ''} ${run.activityType} failed (attempt ${run.attempt}): ${cause}`.trim(), fields };
  }
}
