/**
 * The element instance JSON that Cloud Elements accepts, as a zod schema. Values arrive as JSON
 * booleans/numbers or as strings; the instance keeps its configuration as strings (as the API
 * returns it) and everything else is derived from them (the poller settings: core/settings.ts).
 */
import { z } from 'zod';
import { formatJavaDate, resolveZone } from './javaDate';
import { checkPlaceholders } from './placeholders';
import { parseLegacyPollerUrls } from './legacyUrls';
import { DECIMAL, ELEMENT_KEYS, MIN_INTERVAL_MINUTES, parseInstant, RESERVED_RESOURCE_NAMES, type ElementKey } from './settings';

// What the poller reads lives in ./settings (no zod, no luxon: the workflow bundle imports it).
export {
  DEFAULT_REFRESH_INTERVAL_MINUTES,
  ELEMENT_HUBS,
  ELEMENT_KEYS,
  MAX_INTERVAL_MINUTES,
  minutesToMs,
  normalizeResource,
  OAUTH_ELEMENTS,
  parseInstant,
  pollerSettings,
  RESERVED_RESOURCE_NAMES,
} from './settings';
export type { DateFieldConfig, ElementKey, PollerSettings, ResourceConfig } from './settings';

export const MASK = '********';
/** Configuration keys whose values are secrets: masked in responses, never logged. */
const SECRET_KEY = /(password|secret|private\.key|token|signature\.key|api\.key|subscription\.key|auth\.header\.value|credential)/i;
/** Where a secret-sounding key names an endpoint or a setting, not a secret (`oauth.token.url`, `oauth.token.refresh_url`). */
const NOT_SECRET_KEY = /([._](url|uri)|\.type)$/i;
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) && !NOT_SECRET_KEY.test(key);
}

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

const httpUrl = z.string().superRefine((s, ctx) => {
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
  if (parseInstant(s) === undefined) {
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

export const resourceSchema = z.looseObject({
  url: z
    .string()
    .refine((url) => url.trim() !== '', 'required')
    .superRefine((url, ctx) => {
      for (const message of checkPlaceholders(url)) ctx.addIssue({ code: 'custom', message });
    }),
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
});

function parseJsonString(value: unknown, ctx: z.RefinementCtx): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `not valid JSON: ${(err as Error).message}` });
    return z.NEVER;
  }
}

export const pollerConfigurationSchema = z.preprocess(
  parseJsonString,
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
  tags: z.array(z.string().max(100)).max(50).optional(),
  providerData: z.object({ code: z.string().optional() }).catchall(z.unknown()).optional(),
  configuration: configurationSchema.default({}),
  disabled: booleanish.optional(),
});
export type InstanceBody = z.input<typeof instanceBodySchema>;

/** A validated instance: what the workflow is started with. Configuration values are strings. */
export interface InstanceSpec {
  elementKey: ElementKey;
  name: string;
  tags: string[];
  configuration: Record<string, string>;
  providerCode?: string;
  disabled: boolean;
}

export interface Issue {
  path: string;
  message: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; issues: Issue[] };

/** `configuration['event.poller.configuration'].contacts.url`: readable, and unambiguous for dotted keys. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((step, i) => {
      if (typeof step === 'number') return `[${step}]`;
      const s = String(step);
      if (/^[A-Za-z_$][\w$]*$/.test(s)) return i === 0 ? s : `.${s}`;
      return `['${s.replace(/'/g, "\\'")}']`;
    })
    .join('');
}

export function zodIssues(error: z.ZodError): Issue[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}

function stringValue(value: unknown): string {
  if (typeof value === 'number') return plainDecimal(value);
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** 1e21 as "1000000000000000000000": JSON's exponent form is not a configuration number (DECIMAL). */
function plainDecimal(n: number): string {
  return Number.isFinite(n) ? n.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 }) : String(n);
}

/** Validates a POST/PUT body into an InstanceSpec (configuration canonicalised to strings). */
export function parseInstanceBody(body: unknown): Parsed<InstanceSpec> {
  const result = instanceBodySchema.safeParse(body);
  if (!result.success) return { ok: false, issues: zodIssues(result.error) };
  return toInstanceSpec(result.data);
}

/** The instance from a body that passed the schema: element known, configuration as strings. */
export function toInstanceSpec(body: z.output<typeof instanceBodySchema>): Parsed<InstanceSpec> {
  const { element, name, tags, providerData, configuration, disabled } = body;
  if (!(ELEMENT_KEYS as readonly string[]).includes(element.key)) {
    return { ok: false, issues: [{ path: 'element.key', message: `unknown element '${element.key}'; supported: ${ELEMENT_KEYS.join(', ')}` }] };
  }
  const strings: Record<string, string> = {};
  for (const [key, value] of Object.entries(configuration)) {
    if (value === null || value === undefined) continue;
    strings[key] = stringValue(value);
  }
  return {
    ok: true,
    value: {
      elementKey: element.key as ElementKey,
      name: sanitizeName(name ?? element.key),
      tags: tags ?? [],
      configuration: strings,
      providerCode: providerData?.code,
      disabled: disabled ?? false,
    },
  };
}

/** Cloud Elements strips markup from names (`<a ...>x</a>` → `x`). */
function sanitizeName(name: string): string {
  return name.replace(/<[^>]*>/g, '').trim() || 'instance';
}

/** The configuration as the API returns it: strings, secrets masked. */
export function maskConfiguration(configuration: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(configuration)) out[key] = isSecretKey(key) ? MASK : value;
  return out;
}
