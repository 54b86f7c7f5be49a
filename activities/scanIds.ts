/**
 * An id scan (deletion `scan`): every id of the resource listed into Pollster's store, then compared with the last
 * complete scan there; each id gone since is reported DELETED. Nothing proportional to the ids passes through
 * Temporal, and the worker holds one page of ids at a time.
 *
 * A scan survives a killed worker: listing resumes at the recorded page (ids are added idempotently), and reporting
 * resumes after the last id handed off. Deleted ids are reported in their sorted order, ten a notification, so the
 * same ids always make the same notifications under the same ids. A first scan records and reports nothing; one that
 * fails while listing reports nothing and leaves the last complete scan as it was.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { keyId, type Change } from '../core/diff';
import { batchChanges, EVENTS_PER_NOTIFICATION, outgoingFor } from '../core/envelope';
import { getPath } from '../core/jsonPath';
import { renderPlaceholders } from '../core/placeholders';
import type { PollsterActivities, ScanInput, ScanPosition, ScanResult } from '../contract/activities';
import type { NotificationSummary } from '../contract/delivery';
import { FailureType } from '../contract/failures';
import { NOTIFICATION_BYTES } from '../contract/limits';
import { deliverPage } from './deliverPage';
import type { ActivityDeps } from './deps';
import { toFailure, withProgress } from './failures';
import { countRecords } from './metrics';

/** Deleted ids read from the store and handed off per round. */
const IDS_PER_ROUND = 200;
const SUMMARIES_RETURNED = 100;

export function createScanIds(deps: ActivityDeps): PollsterActivities['scanIds'] {
  return async function scanIds(input: ScanInput): Promise<ScanResult> {
    const adapter = deps.elementAdapter(input.instance.elementKey);
    if (!adapter) throw ApplicationFailure.nonRetryable(`unknown element ${input.instance.elementKey}`, FailureType.configuration);
    const context = Context.current();
    const scan = { instanceId: input.instance.id, resource: input.resourceName, scanId: input.scanId };
    let position: ScanPosition = (context.info.heartbeatDetails as ScanPosition | undefined) ?? input.position ?? { listed: false };
    const advance = (next: ScanPosition): void => {
      position = next;
      context.heartbeat(position);
    };
    // Counted from where the scan stands: an attempt that resumes it counts what earlier ones listed and reported.
    let listed = position.ids ?? 0;
    let deleted = position.reported ?? 0;
    const notifications: NotificationSummary[] = [];
    try {
      if (!position.listed) {
        const url = renderPlaceholders(input.scan.url, input.startedAtMs);
        do {
          let page;
          try {
            page = await adapter.fetchPage(
              { url, pageSize: input.scan.pageSize, pageToken: position.pageToken, fields: [input.scan.idField] },
              { configuration: input.configuration, credentials: input.credentials, signal: context.cancellationSignal },
            );
          } catch (err) {
            throw toFailure(err);
          }
          countRecords(page.records.length, input.instance.elementKey);
          const ids = page.records.map((r) => getPath(r, input.scan.idField)).flatMap((id) => (typeof id === 'string' && id !== '' ? [id] : typeof id === 'number' ? [String(id)] : []));
          await deps.store.addScanIds(scan, ids);
          listed += ids.length;
          const next = page.records.length > 0 ? page.nextPageToken : undefined;
          advance({ listed: next === undefined, pageToken: next, ids: listed });
        } while (!position.listed);
      }

      const previous = await deps.store.lastCompleteScan(scan.instanceId, scan.resource);
      if (!previous || previous.scanId === scan.scanId) {
        // The first complete scan (or this one, completed before a retry): there is nothing to compare it with.
        await deps.store.completeScan(scan);
        return { ids: listed, deleted: 0, first: !previous, notifications };
      }
      const callbackUrl = input.configuration['event.notification.callback.url'];
      for (;;) {
        const ids = await deps.store.deletedIds(previous, scan, position.reportedAfter, IDS_PER_ROUND);
        if (ids.length === 0) break;
        if (callbackUrl) {
          const changes: Change[] = ids.map((id) => ({
            record: { [input.scan.idField]: id },
            objectId: id,
            eventType: 'DELETED',
            dateMs: input.startedAtMs,
            recordDateMs: input.startedAtMs,
            key: `${keyId(id)}@${input.startedAtMs}`,
          }));
          const outgoing = outgoingFor(input.instance, input.resourceName, input.startedAtMs, batchChanges(changes, EVENTS_PER_NOTIFICATION), NOTIFICATION_BYTES);
          notifications.push(...(await deliverPage(deps, callbackUrl, input, outgoing)));
        }
        deleted += ids.length;
        advance({ listed: true, reportedAfter: ids.at(-1), ids: listed, reported: deleted });
      }
      await deps.store.completeScan(scan);
      return { ids: listed, deleted, first: false, notifications: notifications.slice(-SUMMARIES_RETURNED) };
    } catch (err) {
      // The failure carries where the scan stands: the next attempt (a later poll) goes on from there.
      throw withProgress(err, position);
    }
  };
}
