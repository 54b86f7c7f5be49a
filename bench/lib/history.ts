/**
 * What a workflow's history says about the hot path: events and bytes by type (payloads as stored,
 * i.e. encrypted), and for each pollPage activity how long it queued, ran, and how long the workflow
 * took to schedule the next one.
 */
import type { Client } from '@temporalio/client';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import proto from '@temporalio/proto';
import { instanceWorkflowId } from '../../contract/names';
import { distribution, type Distribution } from './stats';

const { temporal } = proto;
type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;

export interface HistoryProfile {
  events: number;
  bytes: number;
  byType: Record<string, { count: number; bytes: number }>;
  activities: Record<string, number>;
  workflowTasks: number;
  /** pollPage input and result payload sizes (encrypted, as stored). */
  pollPageInputBytes: Distribution;
  pollPageResultBytes: Distribution;
  /** Per pollPage: scheduled → started (queue), started → completed (the activity), completed → next scheduled (workflow task round trip). */
  queueMs: Distribution;
  runMs: Distribution;
  turnaroundMs: Distribution;
}

const typeName = (e: HistoryEvent): string => {
  const name = temporal.api.enums.v1.EventType[e.eventType ?? 0] ?? String(e.eventType);
  return name.replace(/^EVENT_TYPE_/, '');
};

const payloadBytes = (payloads: proto.temporal.api.common.v1.IPayloads | null | undefined): number =>
  payloads ? temporal.api.common.v1.Payloads.encode(payloads).finish().length : 0;

export async function fetchEvents(client: Client, instanceId: number): Promise<HistoryEvent[]> {
  const history = await client.workflow.getHandle(instanceWorkflowId(instanceId)).fetchHistory();
  return history.events ?? [];
}

export function eventBytes(e: HistoryEvent): number {
  return temporal.api.history.v1.HistoryEvent.encode(e).finish().length;
}

export function profileHistory(events: HistoryEvent[]): HistoryProfile {
  const byType: HistoryProfile['byType'] = {};
  const activities: Record<string, number> = {};
  const scheduled = new Map<string, { type: string; atMs: number; inputBytes: number }>();
  const started = new Map<string, number>();
  const inputBytes: number[] = [];
  const resultBytes: number[] = [];
  const queue: number[] = [];
  const run: number[] = [];
  const turnaround: number[] = [];
  let lastCompletedMs: number | undefined;
  let bytes = 0;
  let workflowTasks = 0;
  for (const e of events) {
    const type = typeName(e);
    const size = eventBytes(e);
    bytes += size;
    const t = (byType[type] ??= { count: 0, bytes: 0 });
    t.count++;
    t.bytes += size;
    const atMs = optionalTsToMs(e.eventTime) ?? 0;
    const id = String(e.eventId);
    if (type === 'WORKFLOW_TASK_COMPLETED') workflowTasks++;
    if (e.activityTaskScheduledEventAttributes) {
      const a = e.activityTaskScheduledEventAttributes;
      const name = a.activityType?.name ?? '?';
      activities[name] = (activities[name] ?? 0) + 1;
      const size = payloadBytes(a.input);
      scheduled.set(id, { type: name, atMs, inputBytes: size });
      if (name === 'pollPage') {
        inputBytes.push(size);
        if (lastCompletedMs !== undefined) turnaround.push(atMs - lastCompletedMs);
      }
    } else if (e.activityTaskStartedEventAttributes) {
      const s = scheduled.get(String(e.activityTaskStartedEventAttributes.scheduledEventId));
      started.set(String(e.activityTaskStartedEventAttributes.scheduledEventId), atMs);
      if (s?.type === 'pollPage') queue.push(atMs - s.atMs);
    } else if (e.activityTaskCompletedEventAttributes) {
      const a = e.activityTaskCompletedEventAttributes;
      const key = String(a.scheduledEventId);
      if (scheduled.get(key)?.type === 'pollPage') {
        run.push(atMs - (started.get(key) ?? atMs));
        resultBytes.push(payloadBytes(a.result));
        lastCompletedMs = atMs;
      }
    } else if (e.timerStartedEventAttributes || type === 'WORKFLOW_EXECUTION_SIGNALED') {
      lastCompletedMs = undefined; // a new cycle: the wait before it is no turnaround
    }
  }
  return {
    events: events.length,
    bytes,
    byType,
    activities,
    workflowTasks,
    pollPageInputBytes: distribution(inputBytes),
    pollPageResultBytes: distribution(resultBytes),
    queueMs: distribution(queue),
    runMs: distribution(run),
    turnaroundMs: distribution(turnaround),
  };
}

/**
 * Events and bytes per steady poll cycle: between the first and the last pollPage of a history whose
 * cycles are one page each (the scale benchmark), so start-up events are left out. A pollPage is its
 * ActivityTaskScheduled event, or its marker if it ran as a local activity.
 */
export function perCycle(events: HistoryEvent[]): { cycles: number; eventsPerCycle: number; bytesPerCycle: number; typesPerCycle: Record<string, number> } | undefined {
  const idx: number[] = [];
  events.forEach((e, i) => {
    if (e.activityTaskScheduledEventAttributes?.activityType?.name === 'pollPage' || e.markerRecordedEventAttributes) idx.push(i);
  });
  if (idx.length < 3) return undefined;
  const from = idx[1]!; // the first cycle carries start-up events
  const to = idx.at(-1)!;
  const cycles = idx.length - 2;
  const slice = events.slice(from, to);
  const typesPerCycle: Record<string, number> = {};
  for (const e of slice) typesPerCycle[typeName(e)] = (typesPerCycle[typeName(e)] ?? 0) + 1 / cycles;
  return {
    cycles,
    eventsPerCycle: slice.length / cycles,
    bytesPerCycle: slice.reduce((a, e) => a + eventBytes(e), 0) / cycles,
    typesPerCycle,
  };
}
