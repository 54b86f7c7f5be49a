/**
 * Request bodies sized to the API's limits (contract/limits.ts, core/jsonDepth.ts), exactly: the limit tests and the
 * fuzz suite send the largest accepted body and the next larger one. Sizes are measured the way the API measures
 * them, through its own parsing, so a test that drifts from the rule fails instead of testing something else.
 */
import { instanceInputSchema } from '../../api/instances/validate';
import { instanceIdFor } from '../../api/instances/identity';
import { toInstanceSpec } from '../../core/instanceSpec';
import { instanceWorkflowId } from '../../contract/names';

export const FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

/** One resource of the test provider's contacts, distinguished by a query parameter. */
export function contactsResource(tag = 'contacts'): Record<string, unknown> {
  return {
    url: `/contacts?r=${encodeURIComponent(tag)}&updatedSince=\${gmtDate:${FORMAT}}`,
    idField: 'id',
    datesConfiguration: { updatedDateField: 'updatedAt', updatedDateFormat: FORMAT, createdDateField: 'createdAt', createdDateFormat: FORMAT },
  };
}

/** `count` resources named r0, r1, … over the same contacts. */
export function manyResources(count: number): Record<string, unknown> {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`r${i}`, contactsResource(`r${i}`)]));
}

export interface InstanceBodyOptions {
  name: string;
  providerUrl: string;
  callbackUrl: string;
  /** Minutes, as the configuration holds it. */
  interval?: string;
  tags?: string[];
  resources?: Record<string, unknown> | string;
  extra?: Record<string, unknown>;
}

export function httpInstanceBody(o: InstanceBodyOptions): Record<string, unknown> {
  return {
    element: { key: 'http' },
    name: o.name,
    tags: o.tags ?? [],
    configuration: {
      'base.url': o.providerUrl,
      'pagination.type': 'page',
      'event.notification.enabled': true,
      'event.notification.callback.url': o.callbackUrl,
      'event.poller.refresh_interval': o.interval ?? '0.02',
      'event.poller.configuration': o.resources ?? { contacts: contactsResource() },
      ...o.extra,
    },
  };
}

/** The configuration as the API stores it (values as strings, element defaults applied), or undefined if the schema refuses the body. */
export function storedConfiguration(body: unknown): Record<string, string> | undefined {
  const parsed = instanceInputSchema.safeParse(body);
  if (!parsed.success) return undefined;
  const spec = toInstanceSpec(parsed.data);
  return spec.ok ? spec.value.configuration : undefined;
}

/** Bytes of the stored configuration, keys and values: what MAX_CONFIGURATION_BYTES bounds. */
export function configurationBytes(body: unknown): number {
  const stored = storedConfiguration(body);
  if (!stored) throw new Error('the schema refuses this body; its configuration has no stored size');
  return Object.entries(stored).reduce((n, [k, v]) => n + bytes(k) + bytes(v), 0);
}

export const PADDING_KEY = 'x-padding';

/**
 * The body with a padding key whose value brings the stored configuration to exactly `target` bytes; `fill` picks
 * the characters (ASCII), so each call can carry a different value of the same size.
 */
export function paddedTo(body: Record<string, unknown>, target: number, fill = 'p'): Record<string, unknown> {
  const configuration = { ...(body['configuration'] as Record<string, unknown>), [PADDING_KEY]: '' };
  const without = configurationBytes({ ...body, configuration });
  const length = target - without;
  if (length < 0) throw new Error(`the body takes ${without} bytes before padding, more than ${target}`);
  configuration[PADDING_KEY] = fill.repeat(Math.ceil(length / fill.length)).slice(0, length);
  const padded = { ...body, configuration };
  if (configurationBytes(padded) !== target) throw new Error(`padding missed: ${configurationBytes(padded)} bytes, not ${target}`);
  return padded;
}

/** Tags of at most 100 characters whose JSON is exactly `target` bytes (what MAX_TAGS_BYTES bounds); `fill` is one ASCII character. */
export function tagsOfBytes(target: number, fill = 't'): string[] {
  // k tags of lengths L1..Lk take 2 + Σ(Li + 2) + (k - 1) bytes as JSON.
  const count = Math.max(1, Math.ceil((target - 1) / 103));
  const letters = target - 1 - 3 * count;
  if (letters < 0 || letters > 100 * count) throw new Error(`no tags take exactly ${target} bytes`);
  const tags = Array.from({ length: count }, (_, i) => fill.repeat(Math.floor(letters / count) + (i < letters % count ? 1 : 0)));
  const got = bytes(JSON.stringify(tags));
  if (got !== target) throw new Error(`tags missed: ${got} bytes, not ${target}`);
  return tags;
}

/** A JSON object nested exactly `depth` levels (jsonDepth's count: an object is one level, a scalar none). */
export function nested(depth: number): unknown {
  let value: unknown = {};
  for (let i = 1; i < depth; i++) value = { k: value };
  return value;
}

/** The same as JSON text, built without recursion (JSON.stringify overflows the stack on deep values). */
export function nestedText(depth: number): string {
  return `${'{"k":'.repeat(depth - 1)}{}${'}'.repeat(depth - 1)}`;
}

/** The workflow id a POST of this body would start, or undefined when the schema refuses it (no id exists). */
export function workflowIdOf(body: unknown): string | undefined {
  const parsed = instanceInputSchema.safeParse(body);
  if (!parsed.success) return undefined;
  const spec = toInstanceSpec(parsed.data);
  return spec.ok ? instanceWorkflowId(instanceIdFor(spec.value)) : undefined;
}
