/** GET /instances: the visibility query asks only for tags the store can search for; the answer is checked exactly (table). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { carriesTags, healthOf, listQuery, queryLiteral } from '../../api/instances/visibilityQuery';
import type { HealthState } from '../../contract/instance';
import type { InstanceRecord } from '../../contract/instance';

const RUNNING = "WorkflowType = 'instanceWorkflow' AND ExecutionStatus = 'Running'";

test('listQuery: searchable tags as escaped literals; tags a store cannot search for are left to the exact check', () => {
  const table: [string[], string][] = [
    [[], RUNNING],
    [['crm'], `${RUNNING} AND InstanceTags = 'crm'`],
    [['a b', 'é', 'x%_*'], `${RUNNING} AND InstanceTags = 'a b' AND InstanceTags = 'é' AND InstanceTags = 'x%_*'`],
    [["it's"], RUNNING],
    [['say "hi"', 'ok'], `${RUNNING} AND InstanceTags = 'ok'`],
    [['back\\slash'], RUNNING],
    [['a♡b'], RUNNING],
  ];
  for (const [tags, query] of table) assert.equal(listQuery(tags), query, JSON.stringify(tags));
  assert.equal(queryLiteral("it's a \\ thing"), "'it\\'s a \\\\ thing'");
});

test('carriesTags: every tag, exactly as written (the dev server matches case-insensitively and by token)', () => {
  const record = { spec: { tags: ['Prod', 'a b c', "it's"] } } as unknown as InstanceRecord;
  const table: [string[], boolean][] = [
    [[], true],
    [['Prod'], true],
    [['Prod', "it's"], true],
    [['prod'], false],
    [['a b'], false],
    [['a'], false],
    [['Prod', 'other'], false],
  ];
  for (const [tags, carried] of table) assert.equal(carriesTags(record, tags), carried, JSON.stringify(tags));
});

test('listQuery by health: the Health search attribute; an instance not judged yet is healthy', () => {
  const table: [string[], HealthState[], string][] = [
    [[], [], RUNNING],
    [[], ['failing'], `${RUNNING} AND Health = 'failing'`],
    [[], ['degraded', 'failing'], `${RUNNING} AND (Health = 'failing' OR Health = 'degraded')`],
    [[], ['healthy'], `${RUNNING} AND (Health = 'healthy' OR Health IS NULL)`],
    [[], ['healthy', 'degraded', 'failing'], RUNNING],
    [['crm'], ['failing'], `${RUNNING} AND InstanceTags = 'crm' AND Health = 'failing'`],
    [["it's"], ['degraded'], `${RUNNING} AND Health = 'degraded'`],
  ];
  for (const [tags, health, query] of table) assert.equal(listQuery(tags, health), query, JSON.stringify([tags, health]));
  const values: [unknown, HealthState][] = [
    ['healthy', 'healthy'],
    ['degraded', 'degraded'],
    ['failing', 'failing'],
    [undefined, 'healthy'],
    ['FAILING', 'healthy'],
    [7, 'healthy'],
  ];
  for (const [value, state] of values) assert.equal(healthOf(value), state, String(value));
});
