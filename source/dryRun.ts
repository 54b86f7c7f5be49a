/**
 * A dry run: one poll of each resource, read page by page through the element adapter and judged by the diff as a
 * poll judges it, with nothing delivered and nothing remembered. It stops at its time limit and answers with what it
 * read until then. Temporal-free: the API runs it in its own process.
 */
import { diffRecords, recordId, type Decision } from '../core/diff';
import { eventDate } from '../core/envelope';
import type { ResourceConfig } from '../core/settings';
import { ProviderError } from '../elements/providerError';
import { withRequestLog } from '../elements/requestLog';
import type { Credentials, ElementAdapter } from '../elements/types';
import { MAX_DECISIONS_SHOWN, MAX_EVENTS_SHOWN, MAX_PROBLEMS_SHOWN, type DryRunAnswer, type DryRunResource } from './answer';
import { queryUrl } from './queryUrl';

/** One resource to read, from where its next poll would start. */
export interface DryRunTarget {
  name: string;
  resource: ResourceConfig;
  /** The poll's lower bound: checkpoint − pollDelay. */
  sinceMs: number;
  /** The boundary set its next poll would skip. */
  boundary: readonly string[];
}

export interface DryRunInput {
  adapter: ElementAdapter;
  /** The instance's configuration (the adapter reads its own keys). */
  configuration: Readonly<Record<string, string>>;
  credentials?: Credentials;
  resources: readonly DryRunTarget[];
  pollStartMs: number;
  /** For all resources together. */
  timeLimitMs: number;
  /** Keep only this object's events and decisions (counts still cover every record). */
  objectId?: string;
  /** Stops it early too (the client went away). */
  signal?: AbortSignal;
}

export async function dryRun(input: DryRunInput): Promise<DryRunAnswer> {
  const limit = AbortSignal.timeout(input.timeLimitMs);
  const signal = input.signal ? AbortSignal.any([limit, input.signal]) : limit;
  const resources: Record<string, DryRunResource> = {};
  for (const target of input.resources) resources[target.name] = await readResource(input, target, signal);
  return { complete: Object.values(resources).every((r) => r.complete), pollStart: new Date(input.pollStartMs).toISOString(), resources };
}

/** Every page of one resource, as a page run reads them (a page skips the changes of the page before it). */
async function readResource(input: DryRunInput, target: DryRunTarget, signal: AbortSignal): Promise<DryRunResource> {
  const { resource } = target;
  const out: DryRunResource = { since: new Date(target.sinceMs).toISOString(), complete: true, requests: [], records: 0, problems: 0, problemDetails: [], events: [], decisions: [], reasons: {} };
  const wanted = (objectId: string): boolean => input.objectId === undefined || objectId === input.objectId;
  const decide = (d: Decision): void => {
    out.reasons[d.reason] = (out.reasons[d.reason] ?? 0) + 1;
    if (wanted(d.objectId) && out.decisions.length < MAX_DECISIONS_SHOWN) out.decisions.push(d);
  };
  const filtered = (record: unknown, condition: string): void =>
    decide({ objectId: recordId(record, resource.idField), decision: 'skipped', reason: 'filtered', detail: `${condition} is not true of it (a condition of the URL's where that the vendor cannot filter on, so Pollster does)` });

  let url: string;
  try {
    url = queryUrl(resource, target.sinceMs);
  } catch (err) {
    out.error = (err as Error).message;
    return out;
  }
  const boundary = new Set(target.boundary);
  let previousPageKeys: string[] = [];
  let pageToken: string | undefined;
  await withRequestLog(out.requests, async () => {
    do {
      if (signal.aborted) {
        out.complete = false;
        return;
      }
      let page;
      try {
        page = await input.adapter.fetchPage({ url, pageSize: resource.pageSize, pageToken }, { configuration: input.configuration, credentials: input.credentials, signal, onFiltered: filtered });
      } catch (err) {
        if (signal.aborted) out.complete = false;
        else out.error = failureText(err);
        return;
      }
      out.records += page.records.length;
      const diff = diffRecords(page.records, resource, { sinceMs: target.sinceMs, pollStartMs: input.pollStartMs, seen: boundary }, { explain: true });
      for (const key of previousPageKeys) boundary.delete(key);
      previousPageKeys = diff.changes.map((c) => c.key).filter((k) => !boundary.has(k));
      for (const key of previousPageKeys) boundary.add(key);
      out.problems += diff.problems.length;
      for (const p of diff.problems) {
        const objectId = p.objectId ?? '';
        if (wanted(objectId) && out.problemDetails.length < MAX_PROBLEMS_SHOWN) out.problemDetails.push({ objectId, kind: p.kind, detail: p.detail });
      }
      for (const c of diff.changes) {
        if (wanted(c.objectId) && out.events.length < MAX_EVENTS_SHOWN) out.events.push({ eventType: c.eventType, objectId: c.objectId, date: eventDate(c), record: c.record });
      }
      diff.decisions!.forEach(decide);
      pageToken = page.records.length > 0 ? page.nextPageToken : undefined;
    } while (pageToken !== undefined);
  });
  return out;
}

function failureText(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  // A refresh would rotate the refresh token the instance holds: a dry run leaves that to the instance's next poll.
  return err instanceof ProviderError && err.kind === 'auth' ? `${message} (a dry run never refreshes OAuth2 tokens; the instance's next poll does)` : message;
}
