/**
 * What the worker prints: the Temporal SDK's entries as one line each (an activity's failure as its cause, the
 * SDK's own stack-carrying "Activity failed" entry and lifecycle chatter at debug), a line per poll outcome, and a
 * line per failed activity attempt naming the instance, the resource or the callback, and the cause. Callback URLs
 * lose their user info and query (they may hold credentials).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ApplicationFailure } from '@temporalio/common';
import { completedLine, failedLine, safeUrl, type ActivityRun } from '../../workers/activityLines';
import { sdkLine } from '../../workers/sdkLogger';
import type { CheckResourcesInput, PollPageInput, PollPageResult } from '../../contract/activities';
import type { DeliveryAttempt, DeliveryAttemptResult, PendingNotification } from '../../contract/delivery';

const instance = { id: 122728201233827, name: 'example contacts', tags: [], elementKey: 'http', hubKey: 'general' };
const activity = { sdkComponent: 'worker', taskQueue: 'pollster', isLocal: false, attempt: 3, namespace: 'default', taskToken: 'CiQwMWEy', activityId: '2', activityType: 'pollPage', workflowId: 'instance-7', workflowRunId: 'r', workflowType: 'instanceWorkflow' };
const failure = Object.assign(new Error('request to 127.0.0.1:39969/contacts failed: connect ECONNREFUSED 127.0.0.1:39969'), { stack: 'ApplicationFailure: …\n    at pollPage (activities/pollPage.ts:147:13)' });

test('sdkLine: one line each, context kept in the fields, the SDK chatter Pollster says itself at debug', () => {
  const table: { level: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR'; message: string; meta: Record<string, unknown>; expected: { level: string; text: string } }[] = [
    // The SDK's failure entry carries the stack: debug (the interceptor prints the failure's line).
    { level: 'WARN', message: 'Activity failed', meta: { ...activity, error: failure, durationMs: 7 }, expected: { level: 'debug', text: 'instance-7 pollPage: Activity failed (error: request to 127.0.0.1:39969/contacts failed: connect ECONNREFUSED 127.0.0.1:39969)' } },
    { level: 'INFO', message: 'Worker state changed', meta: { sdkComponent: 'worker', taskQueue: 'pollster', state: 'RUNNING' }, expected: { level: 'debug', text: 'Worker state changed (state: RUNNING)' } },
    { level: 'INFO', message: 'No Nexus services registered, not polling for Nexus tasks', meta: { sdkComponent: 'worker', taskQueue: 'pollster' }, expected: { level: 'debug', text: 'No Nexus services registered, not polling for Nexus tasks' } },
    // The workflow's own warnings (through the SDK's logger sink).
    {
      level: 'WARN',
      message: 'resource poll failed; its checkpoint holds',
      meta: { sdkComponent: 'workflow', namespace: 'default', taskQueue: 'pollster', workflowId: 'instance-7', runId: 'r', workflowType: 'instanceWorkflow', resource: 'contacts', error: 'request to api.example.com/contacts failed: getaddrinfo ENOTFOUND api.example.com' },
      expected: { level: 'warn', text: 'instance-7: resource poll failed; its checkpoint holds (resource: contacts, error: request to api.example.com/contacts failed: getaddrinfo ENOTFOUND api.example.com)' },
    },
    // An activity's own context log.
    { level: 'WARN', message: 'notifications handed to the retry path', meta: { ...activity, sdkComponent: 'activity', failed: 1, of: 2, error: 'callback answered 503' }, expected: { level: 'warn', text: 'instance-7 pollPage: notifications handed to the retry path (failed: 1, of: 2, error: callback answered 503)' } },
    // The core's forwarded lines.
    { level: 'WARN', message: 'Error polling for tasks', meta: { sdkComponent: 'core', target: 'temporalio_sdk_core::pollers', spanContexts: [], error: 'transport error' }, expected: { level: 'warn', text: 'Error polling for tasks (error: transport error)' } },
    { level: 'ERROR', message: 'Workflow task failed', meta: { sdkComponent: 'worker', workflowId: 'instance-7', runId: 'r', error: Object.assign(new Error('nondeterminism'), { cause: new Error('command mismatch') }) }, expected: { level: 'error', text: 'instance-7: Workflow task failed (error: nondeterminism: command mismatch)' } },
  ];
  for (const { level, message, meta, expected } of table) {
    const line = sdkLine(level, message, meta);
    assert.deepEqual({ level: line.level, text: line.text }, expected, message);
    assert.ok(!line.text.includes('\n'), 'one line');
    assert.ok(!('taskToken' in line.fields), 'no task token');
    if (meta.error !== undefined) assert.equal(line.fields.err, meta.error, 'the error itself, stack and all, stays in the fields (JSON, and debug lines)');
    if (meta.workflowId !== undefined) assert.equal(line.fields.workflowId, meta.workflowId);
  }
});

const run = (activityType: string, attempt = 1): ActivityRun => ({ activityType, attempt, workflowId: 'instance-122728201233827' });
const page = (resourceName = 'contacts'): PollPageInput => ({ instance, configuration: {}, resourceName, resource: {} as never, sinceMs: 0, pollStartMs: 0, boundary: [] });
const result = (over: Partial<PollPageResult>): PollPageResult => ({ records: 0, events: 0, problems: 0, boundaryCandidates: [], pageKeys: [], notifications: [], ...over });
const summary = (status: 'delivered' | 'retry' | 'queued', i = 0) => ({ id: `n${i}`, resource: 'contacts', events: 1, status, atMs: 0 });
const check = (resources: string[]): CheckResourcesInput => ({ instance, configuration: {}, pollStartMs: 0, resources: resources.map((name) => ({ name, resource: {} as never, sinceMs: 0, boundary: [] })) });
const pending = (callbackUrl: string): PendingNotification => ({ notification: { id: '86228d169b2a1775ea0d3130908bec23' } as never, callbackUrl, instanceId: instance.id, resource: 'contacts', attempts: 1, enqueuedAtMs: 0 });

const attempt = (callbackUrl: string, firstFailureAtMs?: number): DeliveryAttempt => ({ item: { ...pending(callbackUrl), firstFailureAtMs } });
const answered = (over: Partial<DeliveryAttemptResult>): DeliveryAttemptResult => ({ ok: false, status: 503, error: 'callback answered 503', attempts: 2, atMs: 10_000, retryScale: 1, ...over });

test("completedLine: a queued notification's attempt, delivered or failed with when the next one is due", () => {
  const table: [DeliveryAttempt, DeliveryAttemptResult, { level: string; text: string }][] = [
    [attempt('https://hooks.example.com/in?token=s3cret'), answered({ ok: true, status: 200, error: undefined, attempts: 3 }), { level: 'info', text: 'notification 86228d169b2a1775ea0d3130908bec23 delivered to https://hooks.example.com/in (attempt 3)' }],
    // First failure at 10 s: retry 2 is due 16 s after it, 16 s from this one's end.
    [attempt('http://user:pw@127.0.0.1:5000/events?key=k', 10_000), answered({}), { level: 'warn', text: 'notification 86228d169b2a1775ea0d3130908bec23 to http://127.0.0.1:5000/events: callback answered 503 (attempt 2); next try in 16 s' }],
    [attempt('http://127.0.0.1:5000/events', 0), answered({ status: 429, error: 'callback answered 429', retryAfterMs: 60_000 }), { level: 'warn', text: 'notification 86228d169b2a1775ea0d3130908bec23 to http://127.0.0.1:5000/events: callback answered 429 (attempt 2); next try in 60 s, the receiver asked for 60 s (Retry-After)' }],
    [attempt('http://127.0.0.1:5000/events', 10_000), answered({ status: 0, error: 'callback unreachable: connect ECONNREFUSED 127.0.0.1:5000', retryScale: 0.001 }), { level: 'warn', text: 'notification 86228d169b2a1775ea0d3130908bec23 to http://127.0.0.1:5000/events: callback unreachable: connect ECONNREFUSED 127.0.0.1:5000 (attempt 2); next try in 16 ms' }],
    [attempt('http://127.0.0.1:5000/events', 0), answered({ status: 410, error: 'callback answered 410' }), { level: 'warn', text: 'notification 86228d169b2a1775ea0d3130908bec23 to http://127.0.0.1:5000/events: callback answered 410 (attempt 2); no more tries' }],
    [attempt('http://127.0.0.1:5000/events', 0), answered({ attempts: 10 }), { level: 'warn', text: 'notification 86228d169b2a1775ea0d3130908bec23 to http://127.0.0.1:5000/events: callback answered 503 (attempt 10); no more tries' }],
  ];
  for (const [input, output, expected] of table) {
    const line = completedLine(run('attemptDelivery'), input, output);
    assert.deepEqual(line && { level: line.level, text: line.text }, expected);
  }
});

test('completedLine: a line per poll outcome and per delivery from the retry path', () => {
  const label = 'instance 122728201233827 (example contacts)';
  const table: [ActivityRun, unknown, unknown, { level: string; text: string } | undefined][] = [
    [run('checkResources'), check(['contacts']), { contacts: { quiet: true, records: 2 } }, { level: 'info', text: `${label}: polled, nothing new (2 records read)` }],
    [run('checkResources'), check(['contacts', 'deals']), { contacts: { quiet: true, records: 1 }, deals: { quiet: true, records: 0 } }, { level: 'info', text: `${label}: polled, nothing new (1 record read)` }],
    // Something to read: the page runs say what they found.
    [run('checkResources'), check(['contacts', 'deals']), { contacts: { quiet: false }, deals: { quiet: true, records: 0 } }, { level: 'debug', text: `${label}: reading the pages of contacts` }],
    [run('pollPage'), page(), result({ records: 1, events: 1, notifications: [summary('delivered')] }), { level: 'info', text: `${label} contacts: 1 record, 1 event; 1 notification delivered` }],
    [run('pollPage'), page(), result({ records: 12, events: 11, problems: 1, notifications: [summary('delivered', 1), summary('retry', 2)], nextPageToken: '3' }), { level: 'info', text: `${label} contacts: 12 records, 11 events, 1 problem; 2 notifications 1 delivered, 1 to the retry path; more pages next` }],
    [run('pollPage'), page('deals'), result({ records: 3, events: 0 }), { level: 'info', text: `${label} deals: 3 records, 0 events` }],
    [run('deliverNotification', 3), pending('https://hooks.example.com/in?token=s3cret'), 4, { level: 'info', text: 'notification 86228d169b2a1775ea0d3130908bec23 delivered to https://hooks.example.com/in (attempt 4)' }],
    [run('authenticate'), { elementKey: 'sageone', configuration: {} }, { accessToken: 'never printed' }, { level: 'debug', text: 'instance-122728201233827 authenticate done (attempt 1)' }],
  ];
  for (const [r, input, output, expected] of table) {
    const line = completedLine(r, input, output);
    assert.deepEqual(line && { level: line.level, text: line.text }, expected, JSON.stringify(output));
  }
});

test('failedLine: one warning per failed attempt, with the cause, the attempt and what comes next', () => {
  const label = 'instance 122728201233827 (example contacts)';
  const table: [ActivityRun, unknown, unknown, string][] = [
    [run('pollPage', 2), page(), ApplicationFailure.retryable('request to 127.0.0.1:39969/contacts failed: connect ECONNREFUSED 127.0.0.1:39969', 'ProviderUnavailable'), `${label} contacts: poll failed (attempt 2): request to 127.0.0.1:39969/contacts failed: connect ECONNREFUSED 127.0.0.1:39969`],
    [run('checkResources'), check(['contacts']), new Error('unexpected'), `${label}: first pages failed (attempt 1): unexpected`],
    [run('authenticate', 4), { elementKey: 'sageone', configuration: {} }, new Error('token endpoint answered 401'), 'instance-122728201233827 sageone: token exchange failed (attempt 4): token endpoint answered 401'],
    [run('deliverNotification', 2), pending('http://user:pw@127.0.0.1:5000/events?key=k'), ApplicationFailure.create({ message: 'callback answered 503 (attempt 3)', type: 'DeliveryFailed', nextRetryDelay: 16_000 }), 'notification 86228d169b2a1775ea0d3130908bec23 to http://127.0.0.1:5000/events: callback answered 503 (attempt 3); next try in 16 s'],
    [run('deliverNotification', 2), pending('http://127.0.0.1:5000/events'), ApplicationFailure.create({ message: 'connect ECONNREFUSED 127.0.0.1:5000 (attempt 2)', type: 'DeliveryFailed', nextRetryDelay: 40 }), 'notification 86228d169b2a1775ea0d3130908bec23 to http://127.0.0.1:5000/events: connect ECONNREFUSED 127.0.0.1:5000 (attempt 2); next try in 40 ms'],
    [run('deliverNotification', 9), pending('http://127.0.0.1:5000/events'), ApplicationFailure.nonRetryable('callback answered 410', 'CallbackGone'), 'notification 86228d169b2a1775ea0d3130908bec23 to http://127.0.0.1:5000/events: callback answered 410; no more tries'],
  ];
  for (const [r, input, err, expected] of table) {
    const line = failedLine(r, input, err);
    assert.equal(line.level, 'warn');
    assert.equal(line.text, expected);
    assert.equal(line.fields.attempt, r.attempt);
  }
});

test('safeUrl: origin and path only, whatever user info and query a callback URL carries', () => {
  const secret = fc.stringMatching(/^[A-Za-z0-9]{8,20}$/);
  fc.assert(
    fc.property(secret, secret, secret, fc.constantFrom('http', 'https'), (user, password, token, scheme) => {
      const text = safeUrl(`${scheme}://${user}:${password}@hooks.example.com:8443/in/${'x'}?token=${token}#${token}`);
      assert.equal(text, `${scheme}://hooks.example.com:8443/in/x`);
    }),
  );
  assert.equal(safeUrl('not a url'), '(not a URL)');
});
