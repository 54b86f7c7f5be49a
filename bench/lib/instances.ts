/**
 * Element instances for the bench, started as api/instanceService.ts `create` starts them (its
 * `startInstanceWorkflow`), minus its describe() round trip and the HTTP layer: at thousands of
 * instances those would load the server during the measurement without being part of what is measured.
 */
import type { Client } from '@temporalio/client';
import { pollerSettings } from '../../core/pollerSettings';
import { parseInstanceBody, type InstanceSpec } from '../../core/instanceSpec';
import { newToken } from '../../api/instances/identity';
import { startInstanceWorkflow } from '../../api/instances/service';
import { pollNow } from '../../contract/messages';
import { instanceWorkflowId, TASK_QUEUE } from '../../contract/names';
import type { InstanceRecord } from '../../contract/instance';
import { RECORD_DATE_FORMAT } from './provider';

export const SIGNATURE_KEY = 'bench-signature-key';

export interface HttpInstanceOptions {
  providerUrl: string;
  /** Provider path, e.g. `/d/<key>/contacts` (dataset) or `/e/<key>/contacts` (always empty). */
  path: string;
  callbackUrl: string;
  intervalMinutes: number;
  /** First poll's lower bound (default: when the instance is created). */
  sinceMs?: number;
  pageSize: number;
  name: string;
  tags: string[];
}

/** The body a user would POST to /instances for the `http` element (validated like the API does). */
export function httpInstanceBody(o: HttpInstanceOptions): Record<string, unknown> {
  return {
    element: { key: 'http' },
    name: o.name,
    tags: o.tags,
    configuration: {
      'base.url': o.providerUrl,
      'pagination.type': 'page',
      'event.notification.enabled': true,
      'event.vendor.type': 'polling',
      'event.notification.callback.url': o.callbackUrl,
      'event.notification.signature.key': SIGNATURE_KEY,
      'event.poller.refresh_interval': String(o.intervalMinutes),
      ...(o.sinceMs !== undefined ? { 'event.poller.since': new Date(o.sinceMs).toISOString() } : {}),
      'event.poller.configuration': {
        contacts: {
          url: `${o.path}?updatedSince=\${epoch:ms}`,
          idField: 'id',
          pageSize: o.pageSize,
          datesConfiguration: {
            updatedDateField: 'updatedAt',
            updatedDateFormat: RECORD_DATE_FORMAT,
            createdDateField: 'createdAt',
            createdDateFormat: RECORD_DATE_FORMAT,
          },
        },
      },
    },
  };
}

export function httpInstanceSpec(o: HttpInstanceOptions): InstanceSpec {
  const parsed = parseInstanceBody(httpInstanceBody(o));
  if (!parsed.ok) throw new Error(`bench instance does not validate: ${JSON.stringify(parsed.issues)}`);
  return parsed.value;
}

/** Starts one instance workflow as InstanceService.create does. */
export async function startInstance(client: Client, id: number, spec: InstanceSpec, taskQueue = TASK_QUEUE): Promise<InstanceRecord> {
  const record: InstanceRecord = { id, token: newToken(id), createdDate: new Date().toISOString(), spec };
  await startInstanceWorkflow(client, record, pollerSettings(spec.configuration), taskQueue);
  return record;
}

/** Runs `task` for each item with at most `concurrency` in flight; `onDone` after each. */
export async function pool<T>(items: readonly T[], concurrency: number, task: (item: T, index: number) => Promise<void>, onDone?: (done: number) => void): Promise<void> {
  let next = 0;
  let done = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      await task(items[i]!, i);
      onDone?.(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
}

export async function signalPollNow(client: Client, id: number): Promise<void> {
  await client.workflow.getHandle(instanceWorkflowId(id)).signal(pollNow);
}

/** Terminates the bench's instances (an external cluster keeps nothing of a run). */
export async function terminateInstances(client: Client, ids: readonly number[]): Promise<void> {
  await pool(ids, 50, async (id) => {
    try {
      await client.workflow.getHandle(instanceWorkflowId(id)).terminate('pollster bench finished');
    } catch {
      // already gone
    }
  });
}
