/**
 * A validated instance as Pollster keeps it: configuration values as strings (as the API returns them), secrets
 * masked on the way out.
 */
import type { z } from 'zod';
import { instanceBodySchema } from './config';
import { zodIssues, type Parsed } from './issues';
import { ELEMENT_KEYS, type ElementKey } from './settings';

/** A validated instance: what the workflow is started with. Configuration values are strings. */
export interface InstanceSpec {
  elementKey: ElementKey;
  name: string;
  tags: string[];
  configuration: Record<string, string>;
  providerCode?: string;
  disabled: boolean;
}

export const MASK = '********';
/** Configuration keys whose values are secrets: masked in responses, never logged. */
const SECRET_KEY = /(password|secret|private\.key|token|signature\.key|api\.key|subscription\.key|auth\.header\.value|credential)/i;
/** Where a secret-sounding key names an endpoint or a setting, not a secret (`oauth.token.url`, `oauth.token.refresh_url`). */
const NOT_SECRET_KEY = /([._](url|uri)|\.type)$/i;
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) && !NOT_SECRET_KEY.test(key);
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
