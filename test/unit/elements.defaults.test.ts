/**
 * Every element's default poller configuration against the diff's rule: a record with an id and a
 * readable updated date is never a problem record; without a created date it is UPDATED. And where
 * a vendor documents ISO-8601 date-times, the default reads any ISO-8601 instant.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeResource, type ResourceConfig } from '../../core/settings';
import { resourceSchema } from '../../core/config';
import { diffRecords } from '../../core/diff';
import { formatJavaDate } from '../../core/javaDate';
import { allElements } from '../../elements/registry';

const SINCE = Date.UTC(2024, 0, 15, 12, 0, 0);
const CHANGED = SINCE + 61_000;
const ctx = { sinceMs: SINCE, pollStartMs: SINCE + 600_000, seen: new Set<string>() };

/** A record with `value` at each dotted `path`. */
function record(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [path, value] of Object.entries(fields)) {
    const steps = path.split('.');
    let node = out;
    for (const step of steps.slice(0, -1)) node = (node[step] ??= {}) as Record<string, unknown>;
    node[steps.at(-1)!] = value;
  }
  return out;
}

const resources = allElements().flatMap((adapter) =>
  Object.entries(adapter.definition.defaultPollerConfiguration).map(([name, raw]) => ({
    element: adapter.definition.key,
    name,
    resource: normalizeResource(resourceSchema.parse(raw)) as ResourceConfig,
  })),
);

/** Vendors whose contracts document ISO-8601 date-times (SData, Sage's OpenAPI, Octopus' collection). */
const ISO_VENDORS = ['sagecrm', 'sageone', 'maximizer'];

describe('element defaults: an id and a readable updated date are never a problem', () => {
  test('every vendor element has defaults to check', () => {
    assert.deepEqual([...new Set(resources.map((r) => r.element))].sort(), ['connectwisecrmrest', 'maximizer', 'sagecrm', 'sageone']);
  });

  for (const { element, name, resource } of resources) {
    test(`${element} ${name}: no created date → UPDATED, silently`, () => {
      const updated = resource.updated!;
      const text = updated.format ? formatJavaDate(CHANGED, updated.format, updated.timezone) : new Date(CHANGED).toISOString();
      const d = diffRecords([record({ [resource.idField]: 'R-1', [updated.field]: text })], resource, ctx);
      assert.deepEqual(d.problems, []);
      assert.deepEqual(d.changes.map((c) => [c.objectId, c.eventType, c.recordDateMs]), [['R-1', 'UPDATED', CHANGED]]);
    });

    if (ISO_VENDORS.includes(element)) {
      test(`${element} ${name}: the default reads any ISO-8601 instant`, () => {
        const texts = ['2024-01-15T12:01:01Z', '2024-01-15T12:01:01.000Z', '2024-01-15T12:01:01+00:00', '2024-01-15T13:01:01.000+01:00', '2024-01-15T12:01:01.0000000Z'];
        const created = resource.created!;
        for (const text of texts) {
          const d = diffRecords([record({ [resource.idField]: 'R-1', [resource.updated!.field]: text, [created.field]: text })], resource, ctx);
          assert.deepEqual(d.problems, [], text);
          assert.deepEqual(d.changes.map((c) => [c.eventType, c.recordDateMs]), [['CREATED', CHANGED]], text);
        }
      });
    }
  }
});
