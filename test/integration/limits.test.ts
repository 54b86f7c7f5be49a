/**
 * Each limit the API holds against Temporal's own (contract/limits.ts, core/jsonDepth.ts), on a real dev server with a
 * real provider and receiver: the largest accepted request makes an instance that polls many times, takes repeated
 * PATCHes at the limit, stays RUNNING and keeps delivering; one byte, tag, resource or level more is a 400 naming the
 * field, and starts no workflow. The requests that once destroyed instances (21 tags of 100 characters, 21 PATCHes of
 * 0.9 MB, 1,000 resources, 100 resources with a 700 KB value) are among the refused ones.
 */
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { CONTINUE_AS_NEW_BYTES } from '../../workflows/instance';
import { MAX_CONFIGURATION_BYTES, MAX_LIST_PAGE_SIZE, MAX_RESOURCES, MAX_TAGS_BYTES } from '../../contract/limits';
import { InstanceTags } from '../../contract/searchAttributes';
import { MAX_JSON_DEPTH } from '../../core/jsonDepth';
import { instanceWorkflowId } from '../../contract/names';
import { AUTH, type RunningApi } from '../support/pollster';
import { eventually } from '../support/processes';
import { startStack, type Stack } from '../support/stack';
import {
  configurationBytes,
  contactsResource,
  httpInstanceBody,
  manyResources,
  nested,
  nestedText,
  paddedTo,
  PADDING_KEY,
  tagsOfBytes,
  workflowIdOf,
  type InstanceBodyOptions,
} from '../support/limitBodies';

/** Polls an instance at a limit must get through, while the test watches it. */
const MANY_POLLS = 6;
/** PATCHes at the limit, one after the other. */
const PATCHES = 30;
const POLLER_PATH = "configuration['event.poller.configuration']";
const mb = (n: number): string => `${(n / 1024 / 1024).toFixed(2)} MB`;

describe('limits: the largest accepted request lives on, the next larger one is a 400', () => {
  let stack: Stack;
  let api: RunningApi;

  before(async () => {
    stack = await startStack();
    api = stack.api;
  });
  after(async () => stack?.stop());

  const body = (o: Omit<InstanceBodyOptions, 'providerUrl' | 'callbackUrl'>) => httpInstanceBody({ ...o, providerUrl: stack.provider.url, callbackUrl: stack.receiver.url });
  const describeRun = (id: number) => api.client.workflow.getHandle(instanceWorkflowId(id)).describe();

  async function create(b: unknown): Promise<number> {
    const res = await api.request('POST', '/instances', b);
    assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 500));
    return res.body.id as number;
  }

  /** A 400 naming `path`, and (when the body has an id at all) no workflow under that id. */
  async function refused(method: string, path: string, b: unknown, field: string): Promise<void> {
    const res = await api.request(method, path, b);
    assert.equal(res.status, 400, `${method} ${path}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    const paths = (res.body.issues ?? []).map((i: { path: string }) => i.path);
    assert.ok(paths.includes(field), `expected an issue at ${field}, got ${JSON.stringify(res.body.issues)}`);
    const workflowId = method === 'POST' ? workflowIdOf(b) : undefined;
    if (workflowId) await assert.rejects(api.client.workflow.getHandle(workflowId).describe(), /not found/i, `${workflowId} was started by a refused body`);
  }

  /**
   * The instance polls MANY_POLLS more times, delivers a record made now, answers GET and is a RUNNING workflow
   * (a terminated one would be gone from the API with its checkpoints).
   */
  async function survives(t: TestContext, id: number, what: string): Promise<void> {
    const start = (await api.request('GET', `/instances/${id}/poller`)).body.polls as number;
    await eventually(async () => (await api.request('GET', `/instances/${id}/poller`)).body.polls >= start + MANY_POLLS, `${what}: ${MANY_POLLS} more polls`, 120_000);
    const record = stack.provider.create(`for ${what}`);
    await stack.receiver.waitFor((r) => r.received.some((n) => n.body.message.instanceId === id && n.body.message.events.some((e) => e.objectId === record.id)), 60_000);
    assert.equal((await api.request('GET', `/instances/${id}`)).status, 200, `${what}: the API still has the instance`);
    const run = await describeRun(id);
    assert.equal(run.status.name, 'RUNNING', `${what}: the workflow runs`);
    const poller = (await api.request('GET', `/instances/${id}/poller`)).body;
    for (const [name, resource] of Object.entries(poller.resources as Record<string, { lastError?: string }>)) {
      assert.equal(resource.lastError, undefined, `${what}: resource ${name} failed: ${resource.lastError}`);
    }
    t.diagnostic(`${what}: ${poller.polls} polls, run ${run.runId.slice(0, 8)}, its history ${run.historyLength} events, ${mb(run.historySize ?? 0)}`);
  }

  test(`tags: ${MAX_TAGS_BYTES} bytes of JSON live on through ${PATCHES} PATCHes at the limit; one byte more, and 21 tags of 100 characters, are 400s`, async (t) => {
    const largest = body({ name: 'tags at the limit', tags: tagsOfBytes(MAX_TAGS_BYTES) });
    await refused('POST', '/instances', body({ name: 'tags over the limit', tags: tagsOfBytes(MAX_TAGS_BYTES + 1) }), 'tags');
    const destroyer = Array.from({ length: 21 }, (_, i) => `${i}`.padEnd(100, 'x'));
    await refused('POST', '/instances', body({ name: 'the destroyer', tags: destroyer }), 'tags');
    // Multi-byte characters count as bytes: 16 tags of 33 three-byte characters are 1,650 bytes.
    await refused('POST', '/instances', body({ name: 'wide tags', tags: Array.from({ length: 16 }, () => '€'.repeat(33)) }), 'tags');

    const id = await create(largest);
    await refused('PATCH', `/instances/${id}`, { tags: destroyer }, 'tags');
    await refused('PUT', `/instances/${id}`, { ...largest, tags: tagsOfBytes(MAX_TAGS_BYTES + 1) }, 'tags');
    let last: string[] = [];
    for (let i = 0; i < PATCHES; i++) {
      last = tagsOfBytes(MAX_TAGS_BYTES, String.fromCharCode(97 + (i % 26)));
      const res = await api.request('PATCH', `/instances/${id}`, { tags: last });
      assert.equal(res.status, 200, `PATCH ${i}: ${JSON.stringify(res.body).slice(0, 300)}`);
    }
    assert.deepEqual((await describeRun(id)).typedSearchAttributes.get(InstanceTags), last, 'the search attribute holds the last tags');
    await survives(t, id, 'tags at the limit');
    await api.request('DELETE', `/instances/${id}`);
  });

  test(`configuration: ${MAX_CONFIGURATION_BYTES} bytes live on through ${PATCHES} PATCHes at the limit, continuing as new; one byte more, 700 KB and 21 PATCHes of 0.9 MB are 400s`, async (t) => {
    const base = body({ name: 'configuration at the limit' });
    const largest = paddedTo(base, MAX_CONFIGURATION_BYTES);
    await refused('POST', '/instances', paddedTo(base, MAX_CONFIGURATION_BYTES + 1), 'configuration');
    await refused('POST', '/instances', paddedTo(base, 700 * 1024), 'configuration');

    const id = await create(largest);
    const firstRun = (await describeRun(id)).runId;
    const huge = 'h'.repeat(900 * 1024);
    for (let i = 0; i < 21; i++) await refused('PATCH', `/instances/${id}`, { configuration: { [PADDING_KEY]: huge } }, 'configuration');
    for (let i = 0; i < PATCHES; i++) {
      const value = (paddedTo(base, MAX_CONFIGURATION_BYTES, String.fromCharCode(97 + (i % 26))).configuration as Record<string, string>)[PADDING_KEY];
      const res = await api.request('PATCH', `/instances/${id}`, { configuration: { [PADDING_KEY]: value } });
      assert.equal(res.status, 200, `PATCH ${i}: ${JSON.stringify(res.body).slice(0, 300)}`);
      assert.equal(configurationBytes({ element: { key: 'http' }, configuration: res.body.configuration }), MAX_CONFIGURATION_BYTES, 'the instance stays at the limit');
    }
    await survives(t, id, 'configuration at the limit');
    // Thirty updates of ~100 KB each are more history than a run keeps: the instance continued as new on size.
    const run = await eventually(async () => {
      const r = await describeRun(id);
      return r.runId !== firstRun ? r : undefined;
    }, 'a new run after the PATCHes');
    assert.ok((run.historySize ?? 0) < 2 * CONTINUE_AS_NEW_BYTES, `the current run's history is ${mb(run.historySize ?? 0)}`);
    await api.request('DELETE', `/instances/${id}`);
  });

  test(`resources: ${MAX_RESOURCES} poll and deliver, history bounded; ${MAX_RESOURCES + 1}, 1,000, and ${MAX_RESOURCES} with a 700 KB value are 400s`, async (t) => {
    const largest = body({ name: 'resources at the limit', resources: manyResources(MAX_RESOURCES) });
    await refused('POST', '/instances', body({ name: 'one resource too many', resources: manyResources(MAX_RESOURCES + 1) }), POLLER_PATH);
    // The issue's body: 1,000 resources, ~70 KB.
    const thousand = { ...body({ name: 'a thousand', resources: {} }) };
    (thousand.configuration as Record<string, unknown>)['event.poller.configuration'] = Object.fromEntries(
      Array.from({ length: 1000 }, (_, i) => [`r${i}`, { url: `/contacts?r=${i}`, idField: 'id' }]),
    );
    await refused('POST', '/instances', thousand, POLLER_PATH);
    await refused('POST', '/instances', body({ name: 'resources and a 700 KB value', resources: manyResources(MAX_RESOURCES), extra: { big: 'b'.repeat(700 * 1024) } }), 'configuration');

    const id = await create(largest);
    const firstRun = (await describeRun(id)).runId;
    await refused('PATCH', `/instances/${id}`, { configuration: { 'event.poller.configuration': manyResources(MAX_RESOURCES + 1) } }, POLLER_PATH);
    // Every resource reports a new contact: a hundred events per change, over several changes.
    for (let round = 0; round < 3; round++) {
      const record = stack.provider.create(`round ${round}`);
      await stack.receiver.waitFor((r) => {
        const types = new Set(r.received.filter((n) => n.body.message.instanceId === id).flatMap((n) => n.body.message.events.filter((e) => e.objectId === record.id).map((e) => e.objectType)));
        return types.size === MAX_RESOURCES;
      }, 120_000);
    }
    for (let i = 0; i < 10; i++) {
      const res = await api.request('PATCH', `/instances/${id}`, { configuration: { 'event.poller.configuration': { ...manyResources(MAX_RESOURCES), r0: { ...contactsResource('r0'), pageSize: 10 + i } } } });
      assert.equal(res.status, 200, `PATCH ${i}: ${JSON.stringify(res.body).slice(0, 300)}`);
    }
    await survives(t, id, 'resources at the limit');
    const run = await eventually(async () => {
      const r = await describeRun(id);
      return r.runId !== firstRun ? r : undefined;
    }, 'a new run after hundreds of events');
    assert.ok((run.historySize ?? 0) < 2 * CONTINUE_AS_NEW_BYTES, `the current run's history is ${mb(run.historySize ?? 0)}`);
    await api.request('DELETE', `/instances/${id}`);
  });

  test(`JSON depth: ${MAX_JSON_DEPTH} levels in a body and in a JSON-string configuration live on; one more, and 10,000, are 400s`, async (t) => {
    // body → configuration → event.metadata: the value may nest MAX_JSON_DEPTH - 2 levels.
    const metadataAt = (depth: number) => body({ name: 'metadata at the limit', extra: { 'event.metadata': nested(depth) } });
    await refused('POST', '/instances', metadataAt(MAX_JSON_DEPTH - 1), 'body');
    await refused('POST', '/instances', `{"element":{"key":"http"},"configuration":{"event.metadata":${nestedText(10_000)}}}`, 'body');
    // body → configuration → event.poller.configuration → contacts → extra.
    const extraAt = (depth: number) => body({ name: 'resource key at the limit', resources: { contacts: { ...contactsResource(), extra: nested(depth) } } });
    await refused('POST', '/instances', extraAt(MAX_JSON_DEPTH - 3), 'body');
    // A JSON string is parsed on its own: its root, the resource, and `extra` nested MAX_JSON_DEPTH - 2 levels.
    const stringAt = (depth: number) => body({ name: 'JSON string at the limit', resources: `{"contacts":${JSON.stringify({ ...contactsResource() }).slice(0, -1)},"extra":${nestedText(depth)}}}` });
    await refused('POST', '/instances', stringAt(MAX_JSON_DEPTH - 1), POLLER_PATH);
    await refused('POST', '/instances', stringAt(10_000), POLLER_PATH);

    const ids = [await create(metadataAt(MAX_JSON_DEPTH - 2)), await create(extraAt(MAX_JSON_DEPTH - 4)), await create(stringAt(MAX_JSON_DEPTH - 2))];
    for (let i = 0; i < 10; i++) {
      const res = await api.request('PATCH', `/instances/${ids[0]}`, { configuration: { 'event.metadata': { ...(nested(MAX_JSON_DEPTH - 2) as object), round: i } } });
      assert.equal(res.status, 200, `PATCH ${i}: ${JSON.stringify(res.body).slice(0, 300)}`);
    }
    await refused('PATCH', `/instances/${ids[0]}`, { configuration: { 'event.metadata': nested(MAX_JSON_DEPTH - 1) } }, 'body');
    await refused('PATCH', `/instances/${ids[2]}`, { configuration: { 'event.poller.configuration': (stringAt(MAX_JSON_DEPTH - 1).configuration as Record<string, unknown>)['event.poller.configuration'] } }, POLLER_PATH);
    for (const [i, id] of ids.entries()) await survives(t, id, ['metadata', 'resource key', 'JSON string'][i]!);
    for (const id of ids) await api.request('DELETE', `/instances/${id}`);
  });

  test(`message size: GET /instances pages through more than 4 MiB of instances at the configuration limit`, async (t) => {
    // Ninety instances of 48 KiB each: 4.2 MiB in all, more than one gRPC message, listed a page at a time.
    const count = 90;
    const tag = 'listed-at-the-limit';
    const ids = new Set<number>();
    for (let i = 0; i < count; i++) {
      const b = paddedTo({ ...body({ name: `listed ${i}`, tags: [tag] }), disabled: true }, MAX_CONFIGURATION_BYTES, String.fromCharCode(97 + (i % 26)) + i);
      ids.add(await create(b));
    }
    const listed = await eventually(async () => {
      const seen: number[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const res = await fetch(`${api.url}/instances?tags[]=${tag}${token ? `&nextPage=${token}` : ''}`, { headers: { authorization: AUTH } });
        assert.equal(res.status, 200, `page ${pages}: ${res.status}`);
        const page = (await res.json()) as { id: number }[];
        assert.ok(page.length <= MAX_LIST_PAGE_SIZE);
        seen.push(...page.map((r) => r.id));
        token = res.headers.get('elements-next-page-token') ?? undefined;
        pages++;
      } while (token);
      return seen.length === count ? { seen, pages } : undefined;
    }, `all ${count} instances listed`);
    assert.deepEqual(new Set(listed.seen), ids);
    t.diagnostic(`${count} instances of ${MAX_CONFIGURATION_BYTES} bytes listed in ${listed.pages} pages`);
    for (const id of ids) await api.request('DELETE', `/instances/${id}`);
  });
});
