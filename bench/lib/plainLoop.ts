/**
 * B1's baseline: one poll of one resource with Pollster's own code and no Temporal. Page after page,
 * exactly what the pollPage activity does (elements/http.ts fetchPage through the registry,
 * core/diff.ts diffRecords, core/envelope.ts buildNotifications, activities/callback.ts
 * createCallbackPoster with the same per-host limiter, a page's notifications concurrently), in the
 * order the instance workflow drives it (next page only after the previous one is delivered).
 */
import { pollerSettings } from '../../core/pollerSettings';
import { ELEMENT_HUBS } from '../../core/settings';
import type { InstanceSpec } from '../../core/instanceSpec';
import { diffRecords } from '../../core/diff';
import { buildNotifications, type InstanceRef } from '../../core/envelope';
import { renderPlaceholders } from '../../core/placeholders';
import { elementAdapter } from '../../elements/registry';
import { createCallbackPoster } from '../../activities/callback';
import { privateAllowed } from '../../net/outboundGuard';
import { deliveryConcurrency } from '../../workers/tuning';

export interface PlainLoopInput {
  instanceId: number;
  spec: InstanceSpec;
  pollStartMs: number;
}

export interface PlainLoopResult {
  pages: number;
  records: number;
  events: number;
  delivered: number;
  failed: number;
  /** Wall time of the loop itself, ms. */
  elapsedMs: number;
}

export async function plainLoop(input: PlainLoopInput): Promise<PlainLoopResult> {
  const t0 = performance.now();
  const settings = pollerSettings(input.spec.configuration);
  const adapter = elementAdapter(input.spec.elementKey);
  if (!adapter) throw new Error(`unknown element ${input.spec.elementKey}`);
  const instance: InstanceRef = {
    id: input.instanceId,
    name: input.spec.name,
    tags: input.spec.tags,
    elementKey: input.spec.elementKey,
    hubKey: ELEMENT_HUBS[input.spec.elementKey],
  };
  const postNotification = createCallbackPoster({ perHostConcurrency: deliveryConcurrency(process.env), allowPrivate: privateAllowed('callback', process.env) });
  const callbackUrl = settings.callbackUrl!;
  const signatureKey = settings.signatureKey;
  const result: PlainLoopResult = { pages: 0, records: 0, events: 0, delivered: 0, failed: 0, elapsedMs: 0 };
  for (const [name, resource] of Object.entries(settings.resources)) {
    const sinceMs = (settings.sinceMs ?? input.pollStartMs) - resource.pollDelaySec * 1000;
    const url = renderPlaceholders(resource.url, sinceMs);
    let previousPageKeys: string[] = [];
    let pageToken: string | undefined;
    do {
      const page = await adapter.fetchPage({ url, pageSize: resource.pageSize, pageToken }, { configuration: input.spec.configuration });
      // As the workflow does: the previous page's keys are skipped (offset pages may shift mid-poll).
      const diff = diffRecords(page.records, resource, { sinceMs, pollStartMs: input.pollStartMs, seen: new Set(previousPageKeys) });
      previousPageKeys = diff.changes.map((c) => c.key);
      const notifications = buildNotifications(instance, name, input.pollStartMs, diff.changes);
      const outcomes = await Promise.all(notifications.map((n) => postNotification(callbackUrl, n, signatureKey)));
      result.pages++;
      result.records += page.records.length;
      result.events += diff.changes.length;
      for (const o of outcomes) {
        if (o.ok) result.delivered++;
        else result.failed++;
      }
      pageToken = page.records.length > 0 ? page.nextPageToken : undefined;
    } while (pageToken !== undefined);
  }
  result.elapsedMs = performance.now() - t0;
  return result;
}
