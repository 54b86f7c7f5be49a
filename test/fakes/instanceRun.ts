/** An instance workflow's input as the API would start it: an `http` instance polling `contacts`, its settings derived. */
import { randomInt } from 'node:crypto';
import type { Client, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { InstanceSpec } from '../../core/instanceSpec';
import { normalizeResource, type PollerSettings, type ResourceConfig } from '../../core/settings';
import type { InstanceWorkflowInput } from '../../contract/instance';
import { instanceWorkflowId, WorkflowType } from '../../contract/names';

export const CHECKPOINT_START_MS = Date.UTC(2026, 0, 10, 8, 0, 0);
export const POLL_DELAY_MS = 30_000;
export const HOUR_MS = 3_600_000;

export function resource(url = '/contacts'): ResourceConfig {
  return normalizeResource({ url, idField: 'id', pollDelay: POLL_DELAY_MS / 1000 });
}

export function spec(overrides: Partial<InstanceSpec> = {}): InstanceSpec {
  return {
    elementKey: 'http',
    name: 'stubbed',
    tags: ['stub'],
    configuration: { 'base.url': 'https://api.example', 'event.notification.enabled': 'true', 'event.notification.callback.url': 'https://hooks.example/in', 'event.poller.refresh_interval': '60' },
    disabled: false,
    ...overrides,
  };
}

export function settings(overrides: Partial<PollerSettings> = {}): PollerSettings {
  return { enabled: true, refreshIntervalMs: HOUR_MS, callbackUrl: 'https://hooks.example/in', sinceMs: CHECKPOINT_START_MS, resources: { contacts: resource() }, ...overrides };
}

export function instanceInput(overrides: { settings?: Partial<PollerSettings>; maxHistoryEvents?: number } = {}): InstanceWorkflowInput {
  const id = randomInt(1, 2 ** 40);
  return {
    instance: { id, token: `token-${id}`, createdDate: '2026-01-10T00:00:00.000Z', spec: spec() },
    settings: settings(overrides.settings),
    maxHistoryEvents: overrides.maxHistoryEvents,
  };
}

type InstanceWorkflow = (input: InstanceWorkflowInput) => Promise<void>;

export function startInstance(client: Client, taskQueue: string, input: InstanceWorkflowInput): Promise<WorkflowHandleWithFirstExecutionRunId<InstanceWorkflow>> {
  return client.workflow.start<InstanceWorkflow>(WorkflowType.instance, { workflowId: instanceWorkflowId(input.instance.id), taskQueue, args: [input] });
}
