/**
 * Rewinds and replays of an instance (Pollster extensions): a rewind is the `setCheckpoints` update on the instance's
 * workflow; a replay is a workflow of its own, `replay-<instanceId>-<replayId>`, read through its `replayStatus` query.
 */
import { randomBytes } from 'node:crypto';
import { ApplicationFailure, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { Issue } from '../../core/issues';
import { pollerSettings } from '../../core/pollerSettings';
import { FailureType } from '../../contract/failures';
import type { InstanceRecord } from '../../contract/instance';
import { pollPosition, replayStatus, setCheckpoints } from '../../contract/messages';
import { instanceWorkflowId, replayWorkflowId, TASK_QUEUE, WorkflowType } from '../../contract/names';
import type { ReplayInput, ReplayStatus } from '../../contract/replay';
import { isWorkflowGone } from '../../temporal/errors';
import { badRequest } from '../errors';

export interface ReplayRequest {
  sinceMs: number;
  untilMs: number;
  resources: string[];
}

export interface ReplayService {
  /** Moves live checkpoints (epoch ms by resource); answers them as set (ISO). A refusal is a 400 naming the field. */
  setCheckpoints(instanceId: number, checkpoints: Record<string, number>): Promise<Record<string, string>>;
  start(record: InstanceRecord, request: ReplayRequest): Promise<ReplayStatus>;
  /** Undefined when the instance has no replay with that id. */
  status(instanceId: number, replayId: string): Promise<ReplayStatus | undefined>;
  /** Asks the replay to stop (it does before its next page run); undefined when there is no such replay. */
  cancel(instanceId: number, replayId: string): Promise<ReplayStatus | undefined>;
  /** The instance's most recent replays (at most `limit`), newest first, each as its status reads now. */
  list(instanceId: number, limit: number): Promise<ReplayStatus[]>;
}

type ReplayWorkflow = (input: ReplayInput) => Promise<ReplayStatus>;

/** Replay ids: hex, short enough for a header and a workflow id, random enough never to repeat for an instance. */
export const newReplayId = (): string => randomBytes(8).toString('hex');

export class TemporalReplayService implements ReplayService {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string = TASK_QUEUE,
  ) {}

  async setCheckpoints(instanceId: number, checkpoints: Record<string, number>): Promise<Record<string, string>> {
    try {
      return await this.client.workflow.getHandle(instanceWorkflowId(instanceId)).executeUpdate(setCheckpoints, { args: [checkpoints] });
    } catch (err) {
      const cause = err instanceof WorkflowUpdateFailedError ? err.cause : undefined;
      if (cause instanceof ApplicationFailure && cause.type === FailureType.invalidCheckpoints) throw badRequest((cause.details?.[0] as Issue[] | undefined) ?? [{ path: 'resources', message: cause.message }]);
      throw err;
    }
  }

  async start(record: InstanceRecord, request: ReplayRequest): Promise<ReplayStatus> {
    const replayId = newReplayId();
    // The instance's OAuth2 tokens as it holds them now: a replay borrows them and never refreshes them.
    const position = await this.client.workflow.getHandle(instanceWorkflowId(record.id)).query(pollPosition);
    const input: ReplayInput = {
      replayId,
      instance: record,
      settings: pollerSettings(record.spec.configuration),
      sinceMs: request.sinceMs,
      untilMs: request.untilMs,
      resources: request.resources,
      ...(position.credentials ? { credentials: position.credentials } : {}),
    };
    const handle = await this.client.workflow.start<ReplayWorkflow>(WorkflowType.replay, {
      workflowId: replayWorkflowId(record.id, replayId),
      taskQueue: this.taskQueue,
      args: [input],
    });
    return handle.query(replayStatus);
  }

  async status(instanceId: number, replayId: string): Promise<ReplayStatus | undefined> {
    try {
      return await this.client.workflow.getHandle(replayWorkflowId(instanceId, replayId)).query(replayStatus);
    } catch (err) {
      if (isWorkflowGone(err)) return undefined;
      throw err;
    }
  }

  async cancel(instanceId: number, replayId: string): Promise<ReplayStatus | undefined> {
    const handle = this.client.workflow.getHandle(replayWorkflowId(instanceId, replayId));
    const current = await this.status(instanceId, replayId);
    if (!current) return undefined;
    if (current.status !== 'running') return current;
    try {
      await handle.cancel();
    } catch (err) {
      if (!isWorkflowGone(err)) throw err; // it ended meanwhile: its status says how
    }
    return (await this.status(instanceId, replayId)) ?? current;
  }

  async list(instanceId: number, limit: number): Promise<ReplayStatus[]> {
    // Visibility finds the instance's replays by their workflow ids (`replay-<instanceId>-…`); each one's status is
    // its query, as GET of one replay reads it. Visibility lags a start by a moment: a replay just started may be
    // missing for a second.
    const prefix = replayWorkflowId(instanceId, '');
    const query = `WorkflowType = '${WorkflowType.replay}' AND WorkflowId STARTS_WITH '${prefix}'`;
    const replayIds: string[] = [];
    for await (const wf of this.client.workflow.list({ query, pageSize: limit })) {
      replayIds.push(wf.workflowId.slice(prefix.length));
      if (replayIds.length >= limit) break;
    }
    const statuses = await Promise.all(replayIds.map((replayId) => this.status(instanceId, replayId)));
    return statuses.filter((s): s is ReplayStatus => s !== undefined).sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  }
}
