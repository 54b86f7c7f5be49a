/**
 * Pages of one resource: fetch each through the element adapter, diff it against the checkpoint,
 * and deliver its notifications, or hand them durably to the callback's subscription. Records stay
 * inside this activity; only counts, boundary keys and notification summaries reach history.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { diffRecords, PROBLEM_KEY_PREFIX } from '../core/diff';
import type { Change } from '../core/diff';
import { batchChanges, outgoingFor } from '../core/envelope';
import { queryUrl } from '../source/queryUrl';
import type { NotificationPlan, PageRunProgress, PollPageInput, PollPageResult, PollsterActivities } from '../contract/activities';
import { FailureType } from '../contract/failures';
import { NOTIFICATION_BYTES, PLAN_BYTES } from '../contract/limits';
import { deliverPage } from './deliverPage';
import type { ActivityDeps } from './deps';
import { toFailure, withProgress } from './failures';
import { withRequestLog, type ProviderRequest } from '../elements/requestLog';
import { lookedPageKey } from './lookedPages';
import { countRecords } from './metrics';

// The query a poll sends is shared with the dry run (source/queryUrl.ts).
export { QUERY_SLACK_MS } from '../source/queryUrl';

/**
 * One activity runs pages until the resource is done or this much time has passed: each activity
 * costs a round trip through Temporal and two history events, so a long backfill batches its pages.
 */
export const PAGE_RUN_BUDGET_MS = 5_000;

/**
 * Pages read before their notifications go out, batched together under one recorded plan: recording
 * it is a write on the Temporal server, the largest cost of a page after the fetch itself (bench B1).
 * A group closes earlier when its plan reaches PLAN_BYTES of change keys.
 */
export const PAGES_PER_PLAN = 10;

/** A settle pass returns how late this many of its records were, at most (the workflow keeps a window of them). */
const LATENESS_SAMPLES = 50;

/** The workflow keeps this many recent notifications; more would only grow history. */
const SUMMARIES_RETURNED = 100;

/** Where a page run stands: the next page to read, and what the pages before it reported. */
type Position = Omit<PageRunProgress, 'plan' | 'done'>;

export function createPollPage(deps: ActivityDeps): PollsterActivities['pollPage'] {
  const runPages = pageRun(deps);
  /** A page run, with its provider requests and counts written to the poll's history. */
  return async function pollPage(input: PollPageInput): Promise<PollPageResult> {
    const requests: ProviderRequest[] = [];
    const before = (Context.current().info.heartbeatDetails as PageRunProgress | undefined)?.result;
    const entry = { instanceId: input.instance.id, pollStartMs: input.pollStartMs, resource: input.resourceName, requests };
    try {
      const result = await withRequestLog(requests, () => runPages(input));
      const since = (n: keyof Pick<PollPageResult, 'records' | 'events' | 'problems'>): number => result[n] - (before?.[n] ?? 0);
      await deps.journal.pollEntry({ ...entry, atMs: Date.now(), records: since('records'), events: since('events'), problems: since('problems') });
      return result;
    } catch (err) {
      await deps.journal.pollEntry({ ...entry, atMs: Date.now(), records: 0, events: 0, problems: 0, error: (err as Error).message });
      throw err;
    }
  };
}

function pageRun(deps: ActivityDeps): PollsterActivities['pollPage'] {
  const { recordProgress } = deps;
  return async function runPages(input: PollPageInput): Promise<PollPageResult> {
    const adapter = deps.elementAdapter(input.instance.elementKey);
    if (!adapter) throw ApplicationFailure.nonRetryable(`unknown element ${input.instance.elementKey}`, FailureType.configuration);
    const context = Context.current();
    const url = queryUrl(input.resource, input.sinceMs);
    const callbackUrl = input.configuration['event.notification.callback.url'];
    const nextSinceMs = input.pollStartMs - input.resource.pollDelaySec * 1000;
    const boundary = new Set(input.boundary);
    const startedAt = Date.now();
    // A retried attempt resumes at the pages the previous attempt was delivering (see PageRunProgress).
    const progress = context.info.heartbeatDetails as PageRunProgress | undefined;
    if (progress?.done) return progress.result;
    let at: Position = progress ?? {
      pageToken: input.pageToken,
      previousPageKeys: [],
      result: { records: 0, events: 0, problems: 0, boundaryCandidates: [], pageKeys: [], notifications: [] },
    };
    let plan: NotificationPlan | undefined = progress ? progress.plan : input.plan;
    for (const key of at.previousPageKeys) boundary.add(key);
    // `recorded` is what the server holds; `safe` is where a retry would lose and repeat nothing now.
    let recorded: PageRunProgress | undefined = progress;
    let safe: PageRunProgress = at;

    // A settle pass and a replay read their window as a poll with filterByCurrentDate would: changes dated before its end.
    const windowed = input.mode === 'settle' || input.mode === 'replay';
    const resource = windowed ? { ...input.resource, filterByCurrentDate: true } : input.resource;
    // With a settle pass, every look (first, second, later) reports only what no look reported: Pollster's store knows.
    // A replay reports every change again, and leaves the ledger to the live looks.
    const ledger = input.mode !== 'replay' && (input.mode === 'settle' || input.resource.settleDelaySec !== undefined);
    const marks = input.mode === 'replay' && input.replayId !== undefined ? { replayId: input.replayId } : {};
    /** The changes this run reports: tombstones as deletions; with a ledger, those not reported yet (late ones marked). */
    const reportable = async (changes: Change[]): Promise<Change[]> => {
      if (input.mode === 'tombstones') return changes.map((c) => ({ ...c, eventType: 'DELETED' }));
      if (!ledger || changes.length === 0) return changes;
      const fresh = new Set(await deps.store.unreported(input.instance.id, input.resourceName, changes.map((c) => c.key)));
      return changes.filter((c) => fresh.has(c.key)).map((c) => (input.mode === 'settle' ? { ...c, late: true } : c));
    };
    const lateOf = (result: PollPageResult, changes: Change[]): PollPageResult['late'] => {
      if (input.mode !== 'settle') return result.late;
      // At least this late: the record was dated before the window's end, and its first look (at that end) missed it.
      const latenessMs = [...(result.late?.latenessMs ?? []), ...changes.map((c) => Math.max(0, input.pollStartMs - c.recordDateMs))].slice(-LATENESS_SAMPLES);
      return { count: (result.late?.count ?? 0) + changes.length, latenessMs };
    };

    // The first page, as the quick look just read it on this worker (a first attempt only: a retry reads afresh).
    let looked = !progress && input.pageToken === undefined && input.mode !== 'replay' ? deps.lookedPages.take(lookedPageKey(input.instance.id, input.resourceName, url, input.pollStartMs)) : undefined;

    /** Reads the next page and moves past it. */
    const readPage = async (): Promise<Change[]> => {
      let page = looked;
      looked = undefined;
      if (!page) {
        try {
          page = await adapter.fetchPage(
            { url, pageSize: input.resource.pageSize, pageToken: at.pageToken },
            { configuration: input.configuration, credentials: input.credentials, signal: context.cancellationSignal },
          );
        } catch (err) {
          throw toFailure(err);
        }
        countRecords(page.records.length, input.instance.elementKey);
      }
      const diff = diffRecords(page.records, resource, { sinceMs: input.sinceMs, pollStartMs: input.pollStartMs, seen: boundary });
      const changes = await reportable(diff.changes);
      const { result } = at;
      // The next page skips this page's keys (offset pages shift when records change mid-poll).
      for (const key of at.previousPageKeys) boundary.delete(key);
      const previousPageKeys = diff.changes.map((c) => c.key).filter((k) => !boundary.has(k));
      for (const key of previousPageKeys) boundary.add(key);
      const nextPageToken = page.records.length > 0 ? page.nextPageToken : undefined;
      at = {
        pageToken: nextPageToken,
        previousPageKeys,
        result: {
          ...result,
          nextPageToken,
          records: result.records + page.records.length,
          events: result.events + changes.length,
          problems: result.problems + diff.problems.length,
          lastProblem: diff.problems.at(-1)?.detail ?? result.lastProblem,
          boundaryCandidates: [
            ...result.boundaryCandidates,
            ...changes.filter((c) => c.key.startsWith(PROBLEM_KEY_PREFIX) || c.dateMs > nextSinceMs).map((c) => ({ key: c.key, dateMs: c.dateMs })),
          ],
          pageKeys: diff.changes.map((c) => c.key),
          late: lateOf(result, changes),
        },
      };
      return changes;
    };

    try {
      for (;;) {
        // A retry reads as many pages as were planned (past the budget, too): a planned change is on one of them.
        const pagesToRead = plan ? plan.pages : PAGES_PER_PLAN;
        const pages: Change[][] = [];
        let planBytes = 0;
        let failure: unknown;
        try {
          do {
            const changes = await readPage();
            pages.push(changes);
            for (const c of changes) planBytes += c.key.length + 3;
          } while (at.pageToken !== undefined && pages.length < pagesToRead && (plan !== undefined || (Date.now() - startedAt < PAGE_RUN_BUDGET_MS && planBytes < PLAN_BYTES)));
        } catch (err) {
          if (pages.length === 0) throw err;
          failure = err; // the pages read go out first: a retry starts at the page that failed
        }
        const batches = batchChanges(pages.flat(), undefined, plan?.batches);
        plan = undefined;

        if (callbackUrl && batches.length > 0) {
          // Built and sized before the plan is recorded: a batch too large for one notification is split first.
          const outgoing = outgoingFor(input.instance, input.resourceName, input.pollStartMs, batches, NOTIFICATION_BYTES, marks);
          const planned: PageRunProgress = { ...safe, plan: { pages: pages.length, batches: outgoing.map((o) => [...o.batch.idKeys]) } };
          await recordProgress(planned);
          recorded = safe = planned;
          const summaries = await deliverPage(deps, callbackUrl, input, outgoing);
          // Handed off: now no later look may report these again (under other batches, other ids).
          if (ledger) await deps.store.markReported(input.instance.id, input.resourceName, pages.flat().map((c) => ({ key: c.key, dateMs: c.dateMs })));
          at = { ...at, result: { ...at.result, notifications: [...at.result.notifications, ...summaries].slice(-SUMMARIES_RETURNED) } };
        }
        safe = at;
        if (failure !== undefined) throw failure;
        if (at.pageToken === undefined || Date.now() - startedAt >= PAGE_RUN_BUDGET_MS) return at.result;
      }
    } catch (err) {
      // A retry starts after the pages delivered, not at the last plan; a pass that fails for good is
      // finished from there by the next poll (ResumePoint).
      const position = safe;
      if (position !== recorded) await recordProgress(position).then(() => (recorded = position), () => undefined);
      throw withProgress(err, recorded);
    }
  };
}
