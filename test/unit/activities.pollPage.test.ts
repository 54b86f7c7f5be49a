/**
 * pollPage under the SDK's MockActivityEnvironment, with in-memory dependencies: page runs, the plans recorded before
 * a group of pages' notifications goes out, failures that carry the recorded progress, and retries that resume from
 * it and batch by the plan. No Temporal server.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { createPollPage } from '../../activities/pollPage';
import type { PageRunProgress, PollPageResult } from '../../contract/activities';
import { FailureType } from '../../contract/failures';
import { contentHash, PROBLEM_KEY_PREFIX } from '../../core/diff';
import { ProviderError } from '../../elements/providerError';
import { fakeActivityWorld, outcomes, pageToken, type Post } from '../fakes/activityDeps';
import { CALLBACK_URL, chunk, contact, contacts, idOf, keyOf, pageRunInput, SIGNATURE_KEY, type Contact } from '../fakes/pageRun';
import { failureOf, runAttempt } from '../support/activityEnvironment';

const objectIds = (posts: readonly Post[]): string[] => posts.flatMap((p) => p.notification.message.events.map((e) => e.objectId));
const progressOf = (err: Error): PageRunProgress => {
  assert.ok(err instanceof ApplicationFailure, `an ApplicationFailure, got ${err}`);
  assert.equal(err.details?.length, 1, 'the failure carries the recorded progress');
  return err.details[0] as PageRunProgress;
};
const journalWithoutFetches = (journal: readonly string[]): string[] => journal.filter((e) => !e.startsWith('fetch'));
/** Every change key went out under one notification id only, however often it went out. */
function assertOneIdPerKey(posts: readonly Post[]): void {
  const idsOfKey = new Map<string, Set<string>>();
  for (const { notification } of posts) {
    for (const e of notification.message.events) {
      const key = `${e.objectId}@${e.date}`;
      idsOfKey.set(key, (idsOfKey.get(key) ?? new Set()).add(notification.id));
    }
  }
  for (const [key, ids] of idsOfKey) assert.equal(ids.size, 1, `${key} went out under ${[...ids].join(', ')}`);
}

describe('pollPage: a run over many pages', () => {
  // Twelve pages of four contacts; page 3 also holds a record without an id, page 12 two recent changes.
  const problem = { name: 'no id', createdAt: '2026-01-10T09:30:00.000Z', updatedAt: '2026-01-10T09:30:00.000Z' };
  const old = contacts('a', 46);
  const recent = [contact('r1', 30), contact('r2', 20)];
  const pages: unknown[][] = chunk<unknown>(old, 4);
  pages[2]!.push(problem);
  pages[11]!.push(...recent);
  const problemKey = PROBLEM_KEY_PREFIX + contentHash(problem);
  const keysInOrder = pages.flat().map((r) => (r === problem ? problemKey : keyOf(r as Contact)));

  test('two groups of pages, each plan recorded before its notifications go out, at most ten events each', async () => {
    const world = fakeActivityWorld();
    world.provider.serve(pages);
    const pollPage = createPollPage(world.deps);
    const result = await runAttempt(pollPage, [pageRunInput()]);

    assert.deepEqual(world.provider.fetched, Array.from({ length: 12 }, (_, i) => pageToken(i + 1)));
    // Ten pages per plan: the plan is on the server before any of its notifications is posted.
    const posts = world.callback.posts.map((p) => `post ${p.notification.id}`);
    assert.deepEqual(journalWithoutFetches(world.journal), ['record', ...posts.slice(0, 5), 'record', ...posts.slice(5)], 'each plan recorded before its posts');
    assert.deepEqual(world.journal.indexOf('record'), 10, 'the first plan is recorded after ten pages were read');

    const [first, second] = world.progress.recorded;
    assert.equal(world.progress.recorded.length, 2);
    assert.equal(first!.pageToken, undefined, 'the first plan starts at the first page');
    assert.equal(first!.plan!.pages, 10);
    assert.deepEqual(first!.plan!.batches, chunk(keysInOrder.slice(0, 41), 10));
    assert.equal(first!.result.records, 0);
    assert.equal(second!.pageToken, pageToken(11), 'the second plan starts after the pages delivered');
    assert.equal(second!.plan!.pages, 2);
    assert.deepEqual(second!.plan!.batches, [keysInOrder.slice(41)]);
    assert.deepEqual(second!.result.records, 41);
    assert.deepEqual(second!.previousPageKeys, keysInOrder.slice(37, 41), "page 10's keys, skipped by page 11");

    // Each notification is a planned batch, under the id its keys make.
    const planned = [...first!.plan!.batches, ...second!.plan!.batches];
    assert.deepEqual(world.callback.posts.map((p) => p.notification.message.events.length), [10, 10, 10, 10, 1, 8]);
    assert.deepEqual(world.callback.posts.map((p) => p.notification.id), planned.map(idOf));
    assert.deepEqual(objectIds(world.callback.posts), pages.flat().map((r) => (r as Contact).id ?? ''));
    for (const p of world.callback.posts) {
      assert.equal(p.url, CALLBACK_URL);
      assert.equal(p.signatureKey, SIGNATURE_KEY);
    }
    assert.deepEqual(world.subscriptions.handOffs, []);

    assert.equal(result.records, 49);
    assert.equal(result.events, 49);
    assert.equal(result.problems, 1);
    assert.match(result.lastProblem ?? '', /id/);
    assert.equal(result.nextPageToken, undefined);
    assert.deepEqual(result.pageKeys, keysInOrder.slice(45), "the last page's keys");
    assert.deepEqual(
      result.boundaryCandidates,
      [{ key: problemKey, dateMs: Date.parse(problem.updatedAt) }, ...recent.map((c) => ({ key: keyOf(c), dateMs: Date.parse(c.updatedAt) }))],
      'problem records, and changes after the next since (poll start − poll delay)',
    );
    assert.deepEqual(result.notifications.map((n) => [n.id, n.events, n.status]), world.callback.posts.map((p) => [p.notification.id, p.notification.message.events.length, 'delivered']));
  });

  test("a record the next page returns again is reported once, and the boundary's keys not at all", async () => {
    const [c1, c2, c3, c4, c5, c6] = contacts('c', 6);
    const world = fakeActivityWorld();
    // c4 shifts onto page 2 (a record before it changed): the previous page's keys are skipped.
    world.provider.serve([[c1, c2, c3, c4], [c4, c5, c6]]);
    const result = await runAttempt(createPollPage(world.deps), [pageRunInput({ boundary: [keyOf(c2!)] })]);
    assert.deepEqual(objectIds(world.callback.posts), ['c1', 'c3', 'c4', 'c5', 'c6']);
    assert.equal(result.events, 5);
    assert.equal(result.records, 7);
    assert.deepEqual(result.pageKeys, [keyOf(c5!), keyOf(c6!)]);
  });

  test('without a callback URL nothing is planned or posted, and the run still counts', async () => {
    const world = fakeActivityWorld();
    world.provider.serve(chunk(contacts('n', 8), 4));
    const result = await runAttempt(createPollPage(world.deps), [pageRunInput({ configuration: {} })]);
    assert.equal(result.events, 8);
    assert.deepEqual(world.progress.recorded, []);
    assert.deepEqual(world.callback.posts, []);
  });

  test('a retry of a run recorded as done (workers before plans) returns its result without reading', async () => {
    const world = fakeActivityWorld();
    const done: PollPageResult = { records: 3, events: 2, problems: 0, boundaryCandidates: [], pageKeys: ['x@1'], notifications: [] };
    const result = await runAttempt(createPollPage(world.deps), [pageRunInput()], { attempt: 2, heartbeatDetails: { done: true, result: done, previousPageKeys: [] } });
    assert.deepEqual(result, done);
    assert.deepEqual(world.provider.fetched, []);
  });
});

describe('pollPage: a failure in the middle of a group of pages', () => {
  const all = contacts('m', 24);
  const pages = chunk(all, 4);

  test('the pages read before it go out first, the position after them is recorded and carried, and a retry resumes at the failed page', async () => {
    const world = fakeActivityWorld();
    world.provider.serve(pages);
    world.provider.failAt(5, new ProviderError('provider answered 503', 503, 'retryable', 2000));
    const pollPage = createPollPage(world.deps);

    const err = await failureOf(pollPage, [pageRunInput()]);
    assert.ok(err instanceof ApplicationFailure);
    assert.equal(err.type, FailureType.providerUnavailable);
    assert.equal(err.nonRetryable, false, 'a provider outage is retried');
    assert.equal(err.nextRetryDelay, 2000, "the provider's Retry-After");
    assert.deepEqual(objectIds(world.callback.posts), all.slice(0, 16).map((c) => c.id), 'pages 1–4 went out');
    const posted = world.callback.posts.map((p) => `post ${p.notification.id}`);
    assert.deepEqual(journalWithoutFetches(world.journal), ['record', ...posted, 'record'], 'plan, posts, then the position after them');

    const progress = progressOf(err);
    assert.deepEqual(progress, world.progress.last, 'the failure carries what the server holds');
    assert.equal(progress.pageToken, pageToken(5), 'the failed page is the next to read');
    assert.equal(progress.plan, undefined, 'the pages before it are done: nothing to re-plan');
    assert.equal(progress.result.records, 16);
    assert.deepEqual(progress.result.notifications.map((n) => n.id), world.callback.posts.map((p) => p.notification.id));
    assert.deepEqual(progress.previousPageKeys, all.slice(12, 16).map(keyOf));

    // The server retries with what was recorded; the provider is back.
    world.provider.clearFailures();
    const fetchedBefore = world.provider.fetched.length;
    const postsBefore = world.callback.posts.length;
    const result = await runAttempt(pollPage, [pageRunInput()], { attempt: 2, heartbeatDetails: progress });
    assert.deepEqual(world.provider.fetched.slice(fetchedBefore), [pageToken(5), pageToken(6)], 'resumes at the failed page');
    assert.deepEqual(objectIds(world.callback.posts.slice(postsBefore)), all.slice(16).map((c) => c.id), 'only pages 5–6 go out');
    assert.deepEqual(objectIds(world.callback.posts), all.map((c) => c.id), 'each contact exactly once over both attempts');
    assert.equal(result.records, 24);
    assert.equal(result.events, 24);
    assert.equal(result.notifications.length, 3);
    assert.deepEqual(result.pageKeys, all.slice(20).map(keyOf));
  });

  test('when the position after the pages cannot be recorded, the failure carries the plan and the retry sends the same ids again', async () => {
    const world = fakeActivityWorld();
    world.provider.serve(pages);
    world.provider.failAt(5, new ProviderError('provider answered 502', 502, 'retryable'));
    world.progress.failures = [undefined, new Error('Temporal unreachable')];
    const pollPage = createPollPage(world.deps);

    const progress = progressOf(await failureOf(pollPage, [pageRunInput()]));
    assert.equal(progress.pageToken, undefined, 'still the start of the group');
    assert.deepEqual(progress.plan, { pages: 4, batches: chunk(all.slice(0, 16).map(keyOf), 10) });
    const firstIds = world.callback.posts.map((p) => p.notification.id);

    world.provider.clearFailures();
    world.callback.posts.length = 0;
    await runAttempt(pollPage, [pageRunInput()], { attempt: 2, heartbeatDetails: progress });
    assert.deepEqual(world.callback.posts.slice(0, 2).map((p) => p.notification.id), firstIds, 'the planned notifications again, same ids');
    assert.deepEqual(objectIds(world.callback.posts), all.map((c) => c.id));
  });

  test('a backlog that is full fails the run with its failure type, carrying the plan', async () => {
    const world = fakeActivityWorld();
    world.provider.serve(pages);
    world.subscriptions.current = { url: CALLBACK_URL, state: 'retrying', pending: 5000, full: true };
    const err = await failureOf(createPollPage(world.deps), [pageRunInput()]);
    assert.ok(err instanceof ApplicationFailure);
    assert.equal(err.type, FailureType.backlogFull);
    assert.equal(err.nonRetryable, false);
    assert.deepEqual(progressOf(err).plan?.pages, 6);
    assert.deepEqual(world.callback.posts, []);
    assert.deepEqual(world.subscriptions.handOffs, []);
  });
});

describe('pollPage: a retry whose pages shifted', () => {
  const all = contacts('a', 15);
  const a = (n: number): Contact => all[n - 1]!;
  const page = (...ns: number[]): Contact[] => ns.map(a);
  const moved = { ...a(3), updatedAt: new Date(Date.parse(a(15).updatedAt) + 5000).toISOString() };
  const movedIn = contact('n1', 100);

  test('planned batches keep their ids, nothing goes out under a second id, the record moved in gets a batch of its own', async () => {
    const world = fakeActivityWorld();
    world.provider.serve([page(1, 2, 3, 4, 5), page(6, 7, 8, 9, 10), page(11, 12, 13, 14, 15)]);
    // The second notification is refused by the callback and its hand-off fails: the run fails after posting.
    world.callback.answer = (n) => (n.message.events.some((e) => e.objectId === 'a11') ? outcomes.unavailable : { ok: true, status: 200 });
    world.subscriptions.handOffFailures = [new Error('Temporal unreachable')];
    const pollPage = createPollPage(world.deps);

    const progress = progressOf(await failureOf(pollPage, [pageRunInput()]));
    const planned = [page(1, 2, 3, 4, 5, 6, 7, 8, 9, 10).map(keyOf), page(11, 12, 13, 14, 15).map(keyOf)];
    assert.deepEqual(progress.plan, { pages: 3, batches: planned });
    assert.equal(progress.pageToken, undefined);

    // Before the retry a3 changed (a new key, on a new last page), so the records after it moved up a page; n1 moved in.
    world.provider.serve([page(1, 2, 4, 5, 6), page(7, 8, 9, 10, 11), [...page(12, 13, 14, 15), movedIn], [moved]]);
    world.callback.answer = () => ({ ok: true, status: 200 });
    const postsBefore = world.callback.posts.length;
    const fetchedBefore = world.provider.fetched.length;
    const result = await runAttempt(pollPage, [pageRunInput()], { attempt: 2, heartbeatDetails: progress });

    assert.deepEqual(world.provider.fetched.slice(fetchedBefore), [pageToken(1), pageToken(2), pageToken(3), pageToken(4)], 'the three planned pages, then on');
    const retried = world.callback.posts.slice(postsBefore);
    assert.deepEqual(
      retried.map((p) => p.notification.id),
      [idOf(planned[0]!), idOf(planned[1]!), idOf([keyOf(movedIn)]), idOf([keyOf(moved)])],
      'the planned ids, then new batches for what was not planned',
    );
    assert.deepEqual(objectIds(retried.slice(0, 1)), ['a1', 'a2', 'a4', 'a5', 'a6', 'a7', 'a8', 'a9', 'a10'], 'a planned batch holds what the pages still have');
    assert.deepEqual(objectIds(retried.slice(1, 2)), ['a11', 'a12', 'a13', 'a14', 'a15'], 'a11 is found a page earlier');
    assertOneIdPerKey(world.callback.posts);
    assert.equal(result.events, 16);
  });
});
