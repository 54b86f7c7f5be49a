/**
 * Resource passes of the instance workflow with a stub pollPage, on a real dev server: where a failed pass resumes
 * (same since and poll start, from the recorded page, with the recorded plan), when it starts over instead, that the
 * checkpoint never moves past a failed pass, and that an auth failure stops polling until the next configure.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { NotificationPlan } from '../../contract/activities';
import { FailureType } from '../../contract/failures';
import { configure } from '../../contract/messages';
import { CHECKPOINT_START_MS, HOUR_MS, instanceInput, POLL_DELAY_MS, resource, settings, spec } from '../fakes/instanceRun';
import { failure, pageRun, progress } from '../fakes/stubActivities';
import { stubbedInstance } from '../support/stubbedInstance';
import { quietTemporalLogs } from '../support/stubWorker';
import { startTemporal } from '../support/temporal';

const iso = (ms: number): string => new Date(ms).toISOString();
/** Changes dated this late stay in the boundary set whatever the poll start. */
const late = (key: string) => ({ key, dateMs: Date.now() + 24 * HOUR_MS });
const FIRST_SINCE = CHECKPOINT_START_MS - POLL_DELAY_MS;
const PLAN: NotificationPlan = { pages: 2, batches: [['c@1', 'd@2'], ['f@3']] };

describe('instance workflow: resource passes', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    quietTemporalLogs();
    env = await startTemporal();
  });
  after(() => env?.teardown());

  test('a pass that fails after handing off pages leaves a resume point; the next poll finishes it first, then polls from its start', async (t) => {
    const { stub, poll } = await stubbedInstance(env, t);
    stub.answer = (_input, call) => {
      if (call === 1) return pageRun({ nextPageToken: 'p2', records: 5, events: 5, boundaryCandidates: [late('a@1')], pageKeys: ['a@1'] });
      if (call === 2) {
        const recorded = progress({ pageToken: 'p3', previousPageKeys: ['b@1'], plan: PLAN, result: pageRun({ boundaryCandidates: [late('b@1')] }) });
        throw failure(FailureType.providerRequest, 'provider answered 400', recorded);
      }
      if (call === 3) return pageRun({ records: 2, events: 2, boundaryCandidates: [late('e@1')], pageKeys: ['e@1'] });
      return pageRun();
    };

    const failed = await poll();
    assert.equal(failed.resources.contacts!.checkpoint, iso(CHECKPOINT_START_MS), 'the checkpoint holds');
    assert.match(failed.resources.contacts!.lastError!, /^ProviderRequestError: provider answered 400/);
    assert.deepEqual(failed.lastRun!.failedResources, ['contacts']);
    assert.equal(failed.resources.contacts!.events, 5, 'the page run that completed is counted');
    const [first, second] = stub.calls;
    assert.equal(second!.pageToken, 'p2');
    assert.ok(second!.boundary.includes('a@1'), "the next page run skips the last page's keys");

    const finished = await poll();
    const [resumed, fresh] = stub.calls.slice(2);
    assert.equal(resumed!.sinceMs, first!.sinceMs, 'the same since');
    assert.equal(resumed!.pollStartMs, first!.pollStartMs, 'the same poll start: the same notification bodies');
    assert.equal(resumed!.pageToken, 'p3', 'from the page the run had reached');
    assert.deepEqual(resumed!.plan, PLAN, 'batched as planned');
    assert.ok(resumed!.boundary.includes('b@1'), 'skipping the keys of the page before');

    assert.equal(fresh!.pageToken, undefined);
    assert.equal(fresh!.plan, undefined);
    assert.equal(fresh!.sinceMs, first!.pollStartMs - POLL_DELAY_MS, 'the finished pass moved the checkpoint to its poll start');
    assert.ok(fresh!.pollStartMs > first!.pollStartMs);
    for (const key of ['a@1', 'b@1', 'e@1']) assert.ok(fresh!.boundary.includes(key), `${key}, reported by the finished pass, is in the boundary set`);
    assert.equal(finished.resources.contacts!.checkpoint, iso(fresh!.pollStartMs));
    assert.equal(finished.resources.contacts!.lastError, undefined);
    assert.deepEqual(finished.lastRun!.failedResources, []);
  });

  test('a pass that failed before anything went out starts over at the next poll', async (t) => {
    const { stub, poll } = await stubbedInstance(env, t);
    // What pollPage carries when its very first page fails: the start position, no plan.
    stub.answer = (_input, call) => {
      if (call === 1) throw failure(FailureType.providerRequest, 'provider answered 404', progress());
      return pageRun();
    };
    await poll();
    const held = await poll();
    const [failed, again] = stub.calls;
    assert.equal(again!.sinceMs, FIRST_SINCE);
    assert.equal(failed!.sinceMs, FIRST_SINCE);
    assert.ok(again!.pollStartMs > failed!.pollStartMs, "the new poll's own start");
    assert.equal(again!.pageToken, undefined);
    assert.equal(again!.plan, undefined);
    assert.equal(held.resources.contacts!.checkpoint, iso(again!.pollStartMs));
  });

  test('a page run that fails without progress after one that went out resumes after that one', async (t) => {
    const { stub, poll } = await stubbedInstance(env, t);
    stub.answer = (_input, call) => {
      if (call === 1) return pageRun({ nextPageToken: 'p4', pageKeys: ['k@1'] });
      if (call === 2) throw failure(FailureType.providerRequest, 'timed out, nothing recorded');
      return pageRun();
    };
    await poll();
    await poll();
    const resumed = stub.calls[2]!;
    assert.equal(resumed.pageToken, 'p4');
    assert.equal(resumed.pollStartMs, stub.calls[0]!.pollStartMs);
    assert.ok(resumed.boundary.includes('k@1'));
  });

  test('after three polls that could not finish it, a pass starts over; the checkpoint never moves meanwhile', async (t) => {
    const { stub, poll } = await stubbedInstance(env, t);
    stub.answer = (_input, call) => {
      if (call <= 4) throw failure(FailureType.providerRequest, `attempt ${call}`, progress({ pageToken: 'p2', plan: PLAN }));
      return pageRun();
    };
    for (let i = 1; i <= 4; i++) {
      const s = await poll();
      assert.equal(s.resources.contacts!.checkpoint, iso(CHECKPOINT_START_MS), `poll ${i}: the checkpoint holds`);
      assert.deepEqual(s.lastRun!.failedResources, ['contacts']);
    }
    const firstStart = stub.calls[0]!.pollStartMs;
    for (const retry of stub.calls.slice(1, 4)) {
      assert.equal(retry.pollStartMs, firstStart, 'polls 2–4 try to finish the pass of poll 1');
      assert.equal(retry.pageToken, 'p2');
      assert.deepEqual(retry.plan, PLAN);
    }
    const done = await poll();
    const over = stub.calls[4]!;
    assert.equal(stub.calls.length, 5, 'one page run per poll');
    assert.ok(over.pollStartMs > firstStart, 'poll 5 runs its own pass');
    assert.equal(over.sinceMs, FIRST_SINCE);
    assert.equal(over.pageToken, undefined);
    assert.equal(over.plan, undefined);
    assert.equal(done.resources.contacts!.checkpoint, iso(over.pollStartMs));
  });

  test('a failed resource keeps its checkpoint while another moves on', async (t) => {
    const { stub, poll } = await stubbedInstance(env, t, instanceInput({ settings: { resources: { contacts: resource(), accounts: resource('/accounts') } } }));
    stub.answer = (input) => {
      if (input.resourceName === 'contacts') throw failure(FailureType.providerRequest, 'provider answered 403');
      return pageRun();
    };
    const s = await poll();
    assert.equal(s.resources.contacts!.checkpoint, iso(CHECKPOINT_START_MS));
    assert.equal(s.resources.accounts!.checkpoint, iso(stub.of('accounts')[0]!.pollStartMs));
    assert.deepEqual(s.lastRun!.failedResources, ['contacts']);
  });

  test('configure drops a resume point: the new settings may not know its page token', async (t) => {
    const { stub, handle, poll } = await stubbedInstance(env, t);
    stub.answer = (_input, call) => {
      if (call === 1) throw failure(FailureType.providerRequest, 'provider answered 400', progress({ pageToken: 'p3', plan: PLAN }));
      return pageRun();
    };
    await poll();
    await handle.executeUpdate(configure, { args: [spec(), settings({ resources: { contacts: resource('/contacts?v=2') } })] });
    await poll();
    const next = stub.calls[1]!;
    assert.equal(next.pageToken, undefined);
    assert.equal(next.plan, undefined);
    assert.equal(next.sinceMs, FIRST_SINCE);
    assert.ok(next.pollStartMs > stub.calls[0]!.pollStartMs);
  });

  test('an auth failure stops polling until the configuration changes', async (t) => {
    const { stub, handle, poll } = await stubbedInstance(env, t);
    stub.answer = (_input, call) => {
      if (call === 1) throw failure(FailureType.auth, 'provider refused the credentials');
      return pageRun();
    };
    const refused = await poll();
    assert.equal(refused.authError, 'AuthError: provider refused the credentials');
    assert.deepEqual(refused.lastRun!.failedResources, ['contacts']);

    const skipped = await poll();
    assert.equal(stub.calls.length, 1, 'a poll came and read nothing');
    assert.deepEqual(skipped.lastRun!.failedResources, ['contacts']);
    assert.equal(skipped.resources.contacts!.checkpoint, iso(CHECKPOINT_START_MS));

    await handle.executeUpdate(configure, { args: [spec({ configuration: { ...spec().configuration, password: 'new' } }), settings()] });
    const again = await poll();
    assert.equal(again.authError, undefined);
    assert.equal(stub.calls.length, 2, 'polling again');
    assert.equal(stub.calls[1]!.sinceMs, FIRST_SINCE, 'from the checkpoint that held');
    assert.deepEqual(again.lastRun!.failedResources, []);
  });
});
