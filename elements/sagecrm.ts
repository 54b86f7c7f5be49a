/**
 * `sagecrm`: Sage CRM's RESTful API ("sagecrm2", SData 2.0 JSON).
 * `/hubs/crm/accounts?where=Comp_UpdatedDate>'…'` → `GET {root}/Company?where=Comp_UpdatedDate gt @…@&startIndex=1&count=N`
 * with HTTP Basic. CEQL becomes SData keyword operators; what SData cannot say is evaluated locally.
 */
import { DateTime } from 'luxon';
import { conjuncts, type CeqlExpr, type CeqlValue } from './ceql';
import {
  apiRoot,
  badRequest,
  dateLiteral,
  filterLocally,
  pageNumber,
  parseHubUrl,
  requireKeys,
  utcSeconds,
  validatePollerUrls,
  type ConfigurationKeyIssue,
} from './hub';
import { requestJson } from './providerHttp';
import { capRecords } from './providerLimits';
import { ProviderError } from './providerError';
import type { AdapterContext, ElementAdapter, PageRequest, PageResult } from './types';

/**
 * Hub resource → SData entity and its id column. Sage's own REST client names the linked entities
 * Company, Person, Opportunity, Users (and Cases); `Lead` and the id columns are not attested in
 * any public source and are assumed (docs/elements.md).
 */
const ENTITIES: Record<string, { entity: string; idField: string }> = {
  accounts: { entity: 'Company', idField: 'Comp_CompanyId' },
  contacts: { entity: 'Person', idField: 'Pers_PersonId' },
  leads: { entity: 'Lead', idField: 'Lead_LeadId' },
  opportunities: { entity: 'Opportunity', idField: 'Oppo_OpportunityId' },
  users: { entity: 'Users', idField: 'User_UserId' },
};

const SDATA_OPS: Record<string, string> = { '=': 'eq', '!=': 'ne', '<>': 'ne', '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge' };
const COLUMN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Unknown hub resources pass through as entity names, as Cloud Elements' `/{objectName}` did. */
function entityOf(resource: string): { entity: string; idField?: string } {
  const known = ENTITIES[resource.toLowerCase()];
  if (known) return known;
  if (!COLUMN.test(resource)) throw badRequest(`'${resource}' is not a Sage CRM entity name`);
  return { entity: resource };
}

/** An SData literal, or undefined when SData has no documented form for it (booleans, nulls, fractional instants). */
function literal(value: CeqlValue): string | undefined {
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') return undefined;
  const date = dateLiteral(value);
  if (date) {
    if (!date.wholeSecond) return undefined;
    // Zoned instants are sent in UTC; a zone-less one keeps its wall time, which SData reads in server time.
    return date.zoned ? `@${utcSeconds(date.at)}@` : `@${value.trim().replace(' ', 'T')}@`;
  }
  return `'${value.replaceAll("'", "''")}'`;
}

/** CEQL → SData `where`, or undefined when (part of) it has no exact SData form. */
export function toSData(expr: CeqlExpr, idField: string | undefined): string | undefined {
  const column = (field: string): string | undefined => {
    if (field.toLowerCase() === 'key' || field === '$key') return idField;
    return COLUMN.test(field) ? field : undefined;
  };
  switch (expr.kind) {
    case 'and':
    case 'or': {
      const [l, r] = [toSData(expr.left, idField), toSData(expr.right, idField)];
      if (l === undefined || r === undefined) return undefined;
      // and/or are associative: only a child of the other kind needs parentheses.
      const wrap = (e: CeqlExpr, s: string): string => ((e.kind === 'and' || e.kind === 'or') && e.kind !== expr.kind ? `(${s})` : s);
      return `${wrap(expr.left, l)} ${expr.kind} ${wrap(expr.right, r)}`;
    }
    case 'cmp': {
      const [c, v] = [column(expr.field), literal(expr.value)];
      return c === undefined || v === undefined ? undefined : `${c} ${SDATA_OPS[expr.op]} ${v}`;
    }
    case 'in': {
      const c = column(expr.field);
      const values = expr.values.map(literal);
      if (expr.negated || c === undefined || values.some((v) => v === undefined)) return undefined;
      return `${c} in (${values.join(', ')})`;
    }
    case 'like': {
      const c = column(expr.field);
      return expr.negated || c === undefined ? undefined : `${c} like '${expr.pattern.replaceAll("'", "''")}'`;
    }
    case 'isNull':
      return undefined; // no documented SData null test
  }
}

/** Splits a where clause: conjuncts SData can express exactly go to the vendor, the rest are evaluated locally. */
export function translate(where: CeqlExpr | undefined, idField: string | undefined): { where?: string; local: CeqlExpr[] } {
  const native: string[] = [];
  const local: CeqlExpr[] = [];
  for (const c of where ? conjuncts(where) : []) {
    const s = toSData(c, idField);
    if (s === undefined) local.push(c);
    else native.push(c.kind === 'or' ? `(${s})` : s);
  }
  return { where: native.length > 0 ? native.join(' and ') : undefined, local };
}

const OFFSET_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}:?\d{2}$/;

/**
 * SData writes date-times with the server's offset (`2015-02-07T00:00:00-05:00`); Cloud Elements' hub
 * gave them in UTC with `Z`, which its published `yyyy-MM-dd'T'HH:mm:ss'Z'` masks rely on. Same here.
 */
function normalizeDates(value: unknown): unknown {
  if (typeof value === 'string' && OFFSET_DATE.test(value)) {
    const at = DateTime.fromISO(value, { setZone: true });
    if (!at.isValid) return value;
    return at.millisecond === 0 ? utcSeconds(at) : at.toUTC().toISO();
  }
  if (Array.isArray(value)) return value.map(normalizeDates);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalizeDates(v)]));
  return value;
}

/** The record as the hub returns it: `key` (= `$key`) first, SData's own fields after. */
function hubRecord(entry: unknown): unknown {
  const e = (normalizeDates(entry) ?? {}) as Record<string, unknown>;
  return { key: e.$key, ...e };
}

function root(c: Readonly<Record<string, string>>): string {
  const subdomain = (c['subdomain'] ?? '').trim().replace(/^https?:\/\//i, '').replace(/\/+$/, '');
  return apiRoot(c, `https://${subdomain}/sdata/crmj/sagecrm2/-`);
}

const enc = (s: string): string => encodeURIComponent(s); // spaces as %20, as Sage documents

/**
 * SData `select` for a request that needs only some fields (an id scan: `key`, the hub's name for `$key`, which
 * SData always returns; the entity's id column stands for it). Undefined, so whole records, when a field's column is
 * not known or a where clause is evaluated here (it may read any column).
 */
function selectOf(fields: string[] | undefined, idField: string | undefined, where: CeqlExpr | undefined): string | undefined {
  if (!fields?.length || where) return undefined;
  const columns = fields.map((f) => (f === 'key' ? idField : COLUMN.test(f) ? f : undefined));
  return columns.every((c): c is string => c !== undefined) ? [...new Set(columns)].join(',') : undefined;
}

async function fetchPage(req: PageRequest, ctx: AdapterContext): Promise<PageResult> {
  const c = ctx.configuration;
  const { resource, where } = parseHubUrl(req.url, 'crm');
  const { entity, idField } = entityOf(resource);
  const t = translate(where, idField);
  const select = selectOf(req.fields, idField, where);
  const authorization = `Basic ${Buffer.from(`${c['username'] ?? ''}:${c['password'] ?? ''}`).toString('base64')}`;
  // No orderBy: it exists only from 2024 R2, and offset paging over a date order would skip records
  // that are updated mid-poll (they move behind the cursor). Key order only ever repeats one.
  let startIndex = pageNumber(req.pageToken, 1);
  for (;;) {
    const query = [...(t.where ? [`where=${enc(t.where)}`] : []), ...(select ? [`select=${enc(select)}`] : []), `startIndex=${startIndex}`, `count=${req.pageSize}`].join('&');
    const res = await requestJson(`${root(c)}/${enc(entity)}?${query}`, { headers: { authorization }, signal: ctx.signal });
    const body = res.body as { $resources?: unknown; $totalResults?: unknown } | undefined;
    if (!Array.isArray(body?.$resources)) throw new ProviderError('Sage CRM answered without a $resources feed', res.status, 'client');
    const entries = capRecords(body.$resources, `${root(c)}/${entity}`);
    const total = Number(body.$totalResults);
    const more = entries.length > 0 && (Number.isFinite(total) ? startIndex - 1 + entries.length < total : entries.length >= req.pageSize);
    const next = more ? String(startIndex + entries.length) : undefined;
    const records = filterLocally(entries.map(hubRecord), t.local, ctx.onFiltered);
    // An empty page ends the poll, so keep reading while local filtering leaves nothing.
    if (records.length > 0 || next === undefined) return { records, nextPageToken: next };
    startIndex += entries.length;
  }
}

const DATE_MASK = "yyyy-MM-dd'T'HH:mm:ss'Z'";
/**
 * Cloud Elements' published default but for the date formats: SData writes ISO-8601 date-times, so
 * the dates are read as ISO-8601 (no format), which takes milliseconds and offsets that
 * `yyyy-MM-dd'T'HH:mm:ss'Z'` refuses. URLs keep Cloud Elements' mask.
 */
function defaultResource(resource: string, prefix: string, createdField = `${prefix}_CreatedDate`): Record<string, unknown> {
  return {
    url: `/hubs/crm/${resource}?where=${prefix}_UpdatedDate>'\${gmtDate:${DATE_MASK}}'`,
    idField: 'key',
    datesConfiguration: {
      updatedDateField: `${prefix}_UpdatedDate`,
      updatedDateTimezone: 'GMT',
      createdDateField: createdField,
      createdDateTimezone: 'GMT',
    },
  };
}

export const sageCrmElement: ElementAdapter = {
  definition: {
    key: 'sagecrm',
    name: 'Sage CRM',
    hub: 'crm',
    authType: 'basic',
    description: 'Sage CRM RESTful API (sagecrm2, SData 2.0): accounts, contacts, leads, opportunities, users.',
    configuration: [
      { key: 'subdomain', name: 'Subdomain', type: 'TEXTFIELD_128', required: true, description: 'Host of your Sage CRM URL, without https:// (not needed with base.url)' },
      { key: 'username', name: 'Username', type: 'TEXTFIELD_128', required: true },
      { key: 'password', name: 'Password', type: 'PASSWORD', required: true },
      { key: 'base.url', name: 'API root', type: 'TEXTFIELD_1000', required: false, description: 'Overrides https://{subdomain}/sdata/crmj/sagecrm2/-' },
    ],
    // Cloud Elements' published resources and fields, including the lower-case lead_createddate.
    defaultPollerConfiguration: {
      accounts: defaultResource('accounts', 'Comp'),
      contacts: defaultResource('contacts', 'Pers'),
      leads: defaultResource('leads', 'Lead', 'lead_createddate'),
      opportunities: defaultResource('opportunities', 'Oppo'),
      users: defaultResource('users', 'User'),
    },
  },
  validate(c) {
    const issues: ConfigurationKeyIssue[] = requireKeys(c, ['username', 'password']);
    if (!c['subdomain']?.trim() && !c['base.url']?.trim()) issues.push({ key: 'subdomain', message: 'required (or base.url)' });
    issues.push(...validatePollerUrls(c, (url) => {
      const { resource, where } = parseHubUrl(url, 'crm');
      translate(where, entityOf(resource).idField);
    }));
    return issues;
  },
  fetchPage,
};
