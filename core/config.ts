/**
 * The element instance JSON that Cloud Elements accepts, as a zod schema. Values arrive as JSON
 * booleans/numbers or as strings; the instance keeps its configuration as strings (as the API
 * returns it: core/instanceSpec.ts) and the poller settings are derived from them (core/pollerSettings.ts).
 */
import { z } from 'zod';
import { formatPath } from './issues';
import { jsonDepth, MAX_JSON_DEPTH } from './jsonDepth';
import { PROTOTYPE_KEYS, prototypeKeysIn } from './prototypeKeys';
import { formatJavaDate, resolveZone } from './javaDate';
import { parseIsoInstant } from './isoInstant';
import { checkPlaceholders } from './placeholders';
import { parseLegacyPollerUrls } from './legacyUrls';
import { ELEMENT_KEYS, MAX_INTERVAL_MINUTES, MIN_INTERVAL_MINUTES, RESERVED_RESOURCE_NAMES } from './settings';

/** A number as configuration strings hold it: plain decimal notation. */
export const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

// ---------- scalars that Cloud Elements sends either typed or as strings ----------

const booleanish = z.union(
  [
    z.boolean(),
    z
      .string()
      .trim()
      .regex(/^(true|false)$/i)
      .transform((v) => v.toLowerCase() === 'true'),
  ],
  { error: 'expected true or false' },
);

const numberish = z.union(
  [
    z.number(),
    z
      .string()
      .trim()
      .regex(DECIMAL)
      .transform(Number),
  ],
  { error: 'expected a number' },
);

const nonNegative = numberish.pipe(z.number().nonnegative());

/** event.notification.rate_limit's ceiling: one subscription workflow paces a URL, with a timer between attempts. */
export const MAX_RATE_LIMIT = 50;

const javaFormat = z.string().superRefine((fmt, ctx) => {
  if (fmt.trim() === '' || /^milliseconds'?$/.test(fmt) || fmt === '10 digit integer Unix time') return;
  try {
    formatJavaDate(0, fmt, 'UTC');
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `invalid date format: ${(err as Error).message}` });
  }
});

const timeZone = z.string().superRefine((zone, ctx) => {
  if (zone.trim() !== '' && !resolveZone(zone)) ctx.addIssue({ code: 'custom', message: `unknown time zone '${zone}'` });
});

export const httpUrl = z.string().superRefine((s, ctx) => {
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'expected an absolute URL' });
    return;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: 'expected an http(s) URL' });
});

const isoInstant = z.string().superRefine((s, ctx) => {
  if (parseIsoInstant(s) === undefined) {
    ctx.addIssue({ code: 'custom', message: 'expected an ISO-8601 instant such as 2024-01-31T00:00:00Z' });
  }
});

// ---------- event.poller.configuration ----------

// Unknown keys are kept (and ignored): the stored configuration is what the user sent, normalised.
const datesConfigurationSchema = z.looseObject({
  updatedDateField: z.string().optional(),
  updatedDateFormat: javaFormat.optional(),
  updatedDateTimezone: timeZone.optional(),
  createdDateField: z.string().optional(),
  createdDateFormat: javaFormat.optional(),
  createdDateTimezone: timeZone.optional(),
  // One published HubSpot example puts the tolerance here; accept it.
  createdCheckTolerance: nonNegative.optional(),
});

/** A poller URL: not empty, its placeholders known. */
const pollerUrl = z
  .string()
  .refine((url) => url.trim() !== '', 'required')
  .superRefine((url, ctx) => {
    for (const message of checkPlaceholders(url)) ctx.addIssue({ code: 'custom', message });
  });

/**
 * How a resource reports DELETED events, in one of three forms: a field of the record says it is deleted (`flag`),
 * the provider lists deleted records since a date (`tombstones`), or every id is listed now and then and the ones gone
 * since the last complete listing are deleted (`scan`).
 */
const deletionSchema = z.union(
  [
    z.strictObject({ field: z.string().min(1, 'required'), value: z.union([z.string(), z.number(), z.boolean(), z.null()]) }),
    z.strictObject({
      url: pollerUrl,
      idField: z.string().min(1, 'required'),
      dateField: z.string().optional(),
      dateFormat: javaFormat.optional(),
      dateTimezone: timeZone.optional(),
    }),
    z.strictObject({
      scan: z.strictObject({
        url: pollerUrl,
        idField: z.string().min(1, 'required'),
        every: numberish.pipe(z.number().min(MIN_INTERVAL_MINUTES, 'must be at least 1 second (1/60 minute)').max(MAX_INTERVAL_MINUTES)),
      }),
    }),
  ],
  { error: 'expected { field, value } (a flag), { url, idField, dateField?, dateFormat?, dateTimezone? } (tombstones) or { scan: { url, idField, every } }' },
);

export const resourceSchema = z.looseObject({
  url: pollerUrl,
  idField: z.string(),
  filterByUpdatedDate: booleanish.optional(),
  // Spelled this way once in the archived docs.
  filterByUpdateDate: booleanish.optional(),
  filterByCurrentDate: booleanish.optional(),
  datesConfiguration: datesConfigurationSchema.optional(),
  createdCheckTolerance: nonNegative.optional(),
  pageSize: numberish.pipe(z.number().int('expected a whole number').min(1).max(10000)).optional(),
  pollDelay: nonNegative.optional(),
  // The archived example carries a resource-level zone beside datesConfiguration; tolerated.
  updatedDateTimezone: timeZone.optional(),
  deletion: deletionSchema.optional(),
  /** Seconds after each poll when its window is read once more, for records that show up late. */
  settleDelay: numberish.pipe(z.number().gt(0, 'must be more than 0 seconds').max(7 * 24 * 3600, 'at most a week')).optional(),
});

/**
 * The poller configuration given as itself or as its JSON string: parsed, and refused when it nests too deeply or
 * uses a prototype key, as a resource name or anywhere inside. Both forms are checked here: the API hands a string
 * on already parsed (element defaults fill it in), and zod would drop a `__proto__` resource silently.
 */
function parsePollerConfiguration(value: unknown, ctx: z.RefinementCtx): unknown {
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `not valid JSON: ${(err as Error).message}` });
      return z.NEVER;
    }
  }
  if (jsonDepth(parsed, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    ctx.addIssue({ code: 'custom', message: `nested deeper than ${MAX_JSON_DEPTH} levels` });
    return z.NEVER;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return parsed;
  const names = Object.keys(parsed).filter((name) => PROTOTYPE_KEYS.includes(name));
  for (const name of names) ctx.addIssue({ code: 'custom', path: [name], message: `'${name}' is not allowed as a resource name` });
  const inside = prototypeKeysIn(Object.values(parsed));
  if (inside.size > 0) ctx.addIssue({ code: 'custom', message: `the key ${[...inside].map((k) => `'${k}'`).join(', ')} is not allowed` });
  return names.length > 0 || inside.size > 0 ? z.NEVER : parsed;
}

export const pollerConfigurationSchema = z.preprocess(
  parsePollerConfiguration,
  z
    .record(z.string(), resourceSchema, {
      error: (issue) => (issue.code === 'invalid_type' ? 'expected an object of resources (or its JSON string)' : undefined),
    })
    .superRefine((resources, ctx) => {
      for (const name of Object.keys(resources)) {
        if (name.trim() === '') ctx.addIssue({ code: 'custom', path: [name], message: 'resource name must not be empty' });
        if (RESERVED_RESOURCE_NAMES.includes(name)) {
          ctx.addIssue({ code: 'custom', path: [name], message: `resource name must not be one of ${RESERVED_RESOURCE_NAMES.join(', ')} (keys of the notification's raw object)` });
        }
      }
    }),
);

export type ResourceInput = z.infer<typeof resourceSchema>;

// ---------- the instance body ----------

/** A JSON value given as itself or as its JSON string (stored as the string). */
const jsonOrString = z.union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())]);

const knownConfiguration = {
  'event.notification.enabled': booleanish.optional(),
  'event.vendor.type': z.enum(['polling', 'webhook', 'webhooks']).optional(),
  'event.notification.type': z.enum(['webhook'], { error: "expected 'webhook' (the only notification type)" }).optional(),
  'event.notification.callback.url': httpUrl.optional(),
  'event.notification.signature.key': z.string().optional(),
  /** Notifications per second to the callback URL, across the deployment (its subscription paces them). */
  'event.notification.rate_limit': numberish
    .pipe(z.number().positive('must be more than 0 notifications per second').max(MAX_RATE_LIMIT, `at most ${MAX_RATE_LIMIT} notifications per second`))
    .optional(),
  'event.poller.refresh_interval': numberish
    .pipe(z.number().min(MIN_INTERVAL_MINUTES, 'must be at least 1 second (1/60 minute)'))
    .optional(),
  'event.poller.configuration': pollerConfigurationSchema.optional(),
  'event.poller.urls': z.string().optional(),
  'event.poller.since': isoInstant.optional(),
  'event.metadata': jsonOrString.optional(),
  'filter.response.nulls': booleanish.optional(),
  'base.url': httpUrl.optional(),
};

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()], { error: 'expected a string, number or boolean' });

export const configurationSchema = z
  .object(knownConfiguration)
  .catchall(scalar)
  .superRefine((config, ctx) => {
    const urls = config['event.poller.urls'];
    if (urls === undefined) return;
    const json = config['event.poller.configuration'];
    const legacy = parseLegacyPollerUrls(urls, json === undefined ? undefined : Object.keys(json));
    for (const message of legacy.errors) ctx.addIssue({ code: 'custom', path: ['event.poller.urls'], message });
    // Poller lines are resources like any other: the same rules, reported at the key with the line.
    for (const [name, resource] of Object.entries(legacy.resources)) {
      const checked = resourceSchema.safeParse(resource);
      if (checked.success) continue;
      for (const issue of checked.error.issues) {
        ctx.addIssue({ code: 'custom', path: ['event.poller.urls'], message: `line ${legacy.lines[name]} (${name}): ${formatPath(issue.path)}: ${issue.message}` });
      }
    }
  })
  .superRefine((config, ctx) => {
    if (config['event.notification.enabled'] !== true) return;
    if (!config['event.notification.callback.url']) {
      ctx.addIssue({ code: 'custom', path: ['event.notification.callback.url'], message: 'required when event.notification.enabled is true' });
    }
  });

/**
 * A tag: a search attribute value that GET /instances filters by, so text that survives the trip through Temporal
 * (which stores a lone surrogate as U+FFFD, and finds no empty keyword) and belongs in a query (no control characters).
 */
export const tagSchema = z
  .string()
  .min(1, 'a tag is not empty')
  .max(100)
  .regex(/^\P{Cc}*$/u, 'control characters are not allowed')
  .refine((tag) => !/\p{Cs}/u.test(tag), 'not valid Unicode text (a lone surrogate)');
export const tagsSchema = z.array(tagSchema).max(50);

export const instanceBodySchema = z.object({
  element: z.object({
    key: z
      .string()
      .min(1, 'required')
      .superRefine((key, ctx) => {
        if (key !== '' && !(ELEMENT_KEYS as readonly string[]).includes(key)) {
          ctx.addIssue({ code: 'custom', message: `unknown element '${key}'; supported: ${ELEMENT_KEYS.join(', ')}` });
        }
      }),
  }),
  name: z.string().max(200).optional(),
  tags: tagsSchema.optional(),
  providerData: z.object({ code: z.string().optional() }).catchall(z.unknown()).optional(),
  configuration: configurationSchema.default({}),
  disabled: booleanish.optional(),
});
export type InstanceBody = z.input<typeof instanceBodySchema>;
