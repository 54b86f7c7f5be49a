/**
 * What the API fuzz suite sends: hostile strings, values and bodies near every limit, and every form an inward
 * address can take in a URL. Generators only (fast-check arbitraries); test/integration/apiFuzz.test.ts sends them.
 */
import fc from 'fast-check';
import { MAX_CONFIGURATION_BYTES, MAX_RESOURCES, MAX_TAGS_BYTES } from '../../contract/limits';
import { MAX_JSON_DEPTH } from '../../core/jsonDepth';
import { contactsResource, manyResources, nested, nestedText, paddedTo, tagsOfBytes } from './limitBodies';

// ------------------------------------------------------------------ hostile text

/** Fragments that break parsers, queries, logs and JSON: controls, quotes, escapes, separators, odd unicode, reserved words. */
export const hostileFragment = fc.constantFrom(
  '\u0000', '%00', '\n', '\r\n', '\t', '\u001b[31m', '\u007f', '\u0085', '\u2028', '\u2029', '\ufeff', '\u202e', '\ud800', '\udfff',
  '"', "'", '`', '\\', '\\\\', "\\'", '%', '%25', '%27', '+', '&', '=', '?', '#', '/', '../', '|', ',', ';', ':', '*', '${', '}', '{', '[', ']',
  '<script>', '</a>', ' ', 'é', '€', '😀', '👩‍👩‍👧', 'İ', '中文',
  '__proto__', 'constructor', 'prototype', 'toString', 'null', 'true', 'NaN', '-0', '1e309', "' OR '1'='1", "InstanceTags = 'x'", '%s%n',
);

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: fc.array(hostileFragment, { minLength: 1, maxLength: 12 }).map((parts) => parts.join('')) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  // Around the 100- and 200-character bounds of tags and names.
  { weight: 1, arbitrary: fc.tuple(hostileFragment, fc.constantFrom(99, 100, 101, 199, 200, 201)).map(([f, n]) => f.repeat(n).slice(0, n)) },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 60_000 }).map((n) => 'L'.repeat(n)) },
);

/**
 * A string percent-encoded for a URL, lone surrogates included (encodeURIComponent throws on them): each becomes the
 * three bytes a careless encoder would send, which are not UTF-8.
 */
export function encodeAny(s: string): string {
  let out = '';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    const lone = code >= 0xd800 && code <= 0xdfff;
    out += lone ? [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('') : encodeURIComponent(ch);
  }
  return out;
}

/** Any JSON value, with hostile strings in keys and values. */
export const hostileJson: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 4, stringUnit: 'binary' });

/** Numbers as configuration values arrive: odd forms included. */
export const oddNumber = fc.oneof(
  fc.constantFrom(0, -0, -1, 1e21, 1e-7, Number.MAX_SAFE_INTEGER + 2, 0.0001, 1 / 60),
  fc.constantFrom('0x10', '1/60', 'Infinity', '1e309', ' 5 ', '', '٣', '0.02'),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

// ------------------------------------------------------------------ addresses Pollster must not reach

interface V4Range {
  base: number;
  prefix: number;
}
const v4 = (dotted: string, prefix: number): V4Range => ({ base: dotted.split('.').reduce((n, o) => n * 256 + Number(o), 0), prefix });

/** The refused IPv4 ranges (net/addressPolicy.ts), loopback weighted most: only loopback reaches the canary. */
const REFUSED_V4 = [
  v4('127.0.0.0', 8), v4('127.0.0.0', 8), v4('127.0.0.0', 8), v4('0.0.0.0', 8), v4('10.0.0.0', 8), v4('100.64.0.0', 10), v4('169.254.0.0', 16),
  v4('172.16.0.0', 12), v4('192.0.0.0', 24), v4('192.0.2.0', 24), v4('192.168.0.0', 16), v4('198.18.0.0', 15), v4('224.0.0.0', 4), v4('240.0.0.0', 4),
];

export const refusedIPv4: fc.Arbitrary<number> = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom(0x7f000001, 0xa9fea9fe, 0, 0xffffffff) },
  { weight: 4, arbitrary: fc.constantFrom(...REFUSED_V4).chain((r) => fc.integer({ min: 0, max: 2 ** (32 - r.prefix) - 1 }).map((offset) => r.base + offset)) },
);

const octets = (n: number): number[] => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256);
const hex = (n: number): string => n.toString(16);
const groups = (n: number): string => `${hex(Math.floor(n / 65536))}:${hex(n % 65536)}`;

/** Every way a URL can spell an IPv4 address: dotted, one number, hex, octal, short forms, and the IPv6 forms that carry it. */
export function ipv4Forms(n: number): string[] {
  const [a, b, c, d] = octets(n) as [number, number, number, number];
  const dotted = `${a}.${b}.${c}.${d}`;
  return [
    dotted,
    String(n),
    `0x${hex(n)}`,
    [a, b, c, d].map((o) => `0${o.toString(8)}`).join('.'),
    [a, b, c, d].map((o) => `0x${hex(o)}`).join('.'),
    `${a}.${(n % 2 ** 24).toString()}`,
    `${a}.${b}.${(n % 65536).toString()}`,
    `[::ffff:${dotted}]`,
    `[::ffff:${groups(n)}]`,
    `[0:0:0:0:0:FFFF:${dotted}]`,
    `[::${dotted}]`,
    `[::ffff:0:${dotted}]`,
    `[64:ff9b::${dotted}]`,
    `[2002:${groups(n)}::]`,
    `[2002:${groups(n)}::1]`,
  ];
}

/** Inward hosts that are not IPv4 in disguise: IPv6 ranges, loopback names, names that only DNS can tell. */
const OTHER_INWARD_HOSTS = [
  'localhost', 'LOCALHOST', 'localhost.', '[::1]', '[0:0:0:0:0:0:0:1]', '[::]', '[fe80::1]', '[fc00::1]', '[fd00:ec2::254]', '[fec0::1]', '[100::1]',
  '[ff02::1]', '[2001:db8::1]', '127.0.0.1.nip.io', 'localtest.me',
];

export const inwardHost: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(refusedIPv4, fc.nat()).map(([n, pick]) => { const forms = ipv4Forms(n); return forms[pick % forms.length]!; }) },
  { weight: 1, arbitrary: fc.constantFrom(...OTHER_INWARD_HOSTS) },
);

/** An absolute URL to an inward host on `port` (the canary's, so anything that connects to loopback is counted). */
export const inwardUrl = (port: number): fc.Arbitrary<string> =>
  fc
    .record({
      scheme: fc.constantFrom('http', 'https', 'HTTP'),
      userinfo: fc.constantFrom('', 'user:pass@', 'a@'),
      host: inwardHost,
      path: fc.constantFrom('/', '/latest/meta-data/iam/', '/api/v1/namespaces/default/workflows', '/elements/api-v2/instances', ''),
    })
    .map(({ scheme, userinfo, host, path }) => `${scheme}://${userinfo}${host}:${port}${path}`);

/** The configuration keys of every element that name an endpoint Pollster calls, and the issue path each is refused at. */
export type InwardField = 'base.url' | 'resource' | 'baseUrl' | 'subdomain' | 'oauth.token.url' | 'maximizer.datacenter' | 'callback';
export const INWARD_FIELDS: readonly InwardField[] = ['base.url', 'resource', 'baseUrl', 'subdomain', 'oauth.token.url', 'maximizer.datacenter', 'callback'];

/** A public address that nothing here can reach (no route out): where the parts of a body that are not under test point. */
export const PUBLIC = 'http://93.184.215.14';

const OAUTH = { 'oauth.api.key': 'key', 'oauth.api.secret': 'secret', 'oauth.callback.url': 'https://app.example.com/oauth' };

/** A body whose only inward endpoint is `field`, set to `url`; and the issue path a refusal must name. */
export function inwardBody(field: InwardField, url: string, name: string): { body: Record<string, unknown>; path: string } {
  const events = { 'event.notification.enabled': true, 'event.notification.callback.url': `${PUBLIC}/hook`, 'event.poller.refresh_interval': '60' };
  const host = (() => {
    try {
      return new URL(url).host;
    } catch {
      return url;
    }
  })();
  const c = (element: string, configuration: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ element: { key: element }, name, configuration: { ...events, ...configuration }, ...extra });
  switch (field) {
    case 'base.url':
      return { body: c('http', { 'base.url': url, 'event.poller.configuration': { contacts: contactsResource() } }), path: "configuration['base.url']" };
    case 'resource':
      return { body: c('http', { 'base.url': PUBLIC, 'event.poller.configuration': { contacts: { ...contactsResource(), url } } }), path: "configuration['event.poller.configuration']" };
    case 'baseUrl':
      return { body: c('connectwisecrmrest', { company: 'c', 'public.key': 'p', 'private.key': 'k', clientId: 'id', baseUrl: url }), path: "configuration['baseUrl']" };
    case 'subdomain':
      return { body: c('sagecrm', { username: 'u', password: 'p', subdomain: host }), path: "configuration['subdomain']" };
    case 'oauth.token.url':
      return { body: c('sageone', { ...OAUTH, 'oauth.token.url': url }, { providerData: { code: 'code' } }), path: "configuration['oauth.token.url']" };
    case 'maximizer.datacenter':
      return { body: c('maximizer', { ...OAUTH, 'maximizer.datacenter': `${host}/` }, { providerData: { code: 'code' } }), path: "configuration['maximizer.datacenter']" };
    case 'callback':
      return { body: c('http', { 'base.url': PUBLIC, 'event.poller.configuration': { contacts: contactsResource() }, 'event.notification.callback.url': url }), path: "configuration['event.notification.callback.url']" };
  }
}

// ------------------------------------------------------------------ instance bodies

/** A body the fuzz changes, with what the API must answer when the change is a probe of one limit. */
export interface FuzzBody {
  what: string;
  body: unknown;
  /** Probes of a limit know the answer: 200, or a 400 at this path. */
  expect?: { status: 200 } | { status: 400; path: string };
}

const POLLER = "configuration['event.poller.configuration']";

/** Bodies one step either side of each limit (contract/limits.ts, core/jsonDepth.ts), around a valid `base`. */
export function limitProbe(base: Record<string, unknown>): fc.Arbitrary<FuzzBody> {
  const configuration = base['configuration'] as Record<string, unknown>;
  const withConfiguration = (extra: Record<string, unknown>) => ({ ...base, configuration: { ...configuration, ...extra } });
  return fc.oneof(
    fc.tuple(fc.integer({ min: -2, max: 2 }), fc.constantFrom('a', 'b', 'z')).map(([delta, fill]) => ({
      what: `tags of ${MAX_TAGS_BYTES + delta} bytes`,
      body: { ...base, tags: tagsOfBytes(MAX_TAGS_BYTES + delta, fill) },
      expect: delta <= 0 ? { status: 200 as const } : { status: 400 as const, path: 'tags' },
    })),
    fc.tuple(fc.integer({ min: -2, max: 2 }), fc.constantFrom('q', 'r', 's')).map(([delta, fill]) => ({
      what: `configuration of ${MAX_CONFIGURATION_BYTES + delta} bytes`,
      body: paddedTo(base, MAX_CONFIGURATION_BYTES + delta, fill),
      expect: delta <= 0 ? { status: 200 as const } : { status: 400 as const, path: 'configuration' },
    })),
    fc.integer({ min: MAX_RESOURCES - 1, max: MAX_RESOURCES + 1 }).map((count) => ({
      what: `${count} resources`,
      body: withConfiguration({ 'event.poller.configuration': manyResources(count) }),
      expect: count <= MAX_RESOURCES ? { status: 200 as const } : { status: 400 as const, path: POLLER },
    })),
    // body → configuration → event.metadata: the value nests at most MAX_JSON_DEPTH - 2 levels.
    fc.integer({ min: MAX_JSON_DEPTH - 3, max: MAX_JSON_DEPTH }).map((depth) => ({
      what: `event.metadata ${depth} levels deep`,
      body: withConfiguration({ 'event.metadata': nested(depth) }),
      expect: depth <= MAX_JSON_DEPTH - 2 ? { status: 200 as const } : { status: 400 as const, path: 'body' },
    })),
    // A JSON string is measured on its own: root, resource, then `extra`.
    fc.integer({ min: MAX_JSON_DEPTH - 3, max: MAX_JSON_DEPTH }).map((depth) => ({
      what: `a JSON-string resource key ${depth} levels deep`,
      body: withConfiguration({ 'event.poller.configuration': `{"contacts":${JSON.stringify(contactsResource()).slice(0, -1)},"extra":${nestedText(depth)}}}` }),
      expect: depth <= MAX_JSON_DEPTH - 2 ? { status: 200 as const } : { status: 400 as const, path: POLLER },
    })),
  );
}

/** Resource names, URLs and fields as hostile as they come. */
const hostileResources: fc.Arbitrary<unknown> = fc.oneof(
  fc.dictionary(fc.oneof(hostileString, fc.constantFrom('__proto__', 'constructor', 'prototype', 'objectType', '')), fc.constant(contactsResource()), { maxKeys: 3 }),
  fc.record({ contacts: fc.record({ url: fc.oneof(hostileString, hostileString.map((s) => `/contacts?x=\${${s}}`)), idField: fc.oneof(hostileString, fc.constant('id')) }) }),
  fc.tuple(hostileJson, oddNumber).map(([extra, pageSize]) => ({ contacts: { ...contactsResource(), extra, pageSize } })),
  hostileString.map((s) => `{"contacts": {"url": "/contacts", "idField": "id", "note": ${JSON.stringify(s)}}}`),
  fc.constantFrom('{"__proto__": {"url": "/x", "idField": "id"}}', '{"a": {"url": "/x", "idField": "id", "constructor": {"prototype": {}}}}', '{', '[]', 'null', '"x"', `{"a":${nestedText(10_000)}}`),
  hostileJson,
);

const KNOWN_KEYS = [
  'base.url', 'event.notification.enabled', 'event.notification.callback.url', 'event.notification.signature.key', 'event.poller.refresh_interval',
  'event.poller.urls', 'event.poller.since', 'event.metadata', 'event.vendor.type', 'event.notification.type', 'pagination.type', 'auth.type',
  'auth.header.name', 'response.items.path', 'filter.response.nulls',
];

/** One change to a valid body: hostile strings, odd values, prototype keys, nesting, other elements. */
export function hostileChange(base: Record<string, unknown>): fc.Arbitrary<FuzzBody> {
  const configuration = base['configuration'] as Record<string, unknown>;
  const set = (key: string, value: unknown): Record<string, unknown> => ({ ...base, configuration: { ...configuration, [key]: value } });
  return fc.oneof(
    hostileString.map((name) => ({ what: 'a hostile name', body: { ...base, name } })),
    fc.array(hostileString, { maxLength: 55 }).map((tags) => ({ what: 'hostile tags', body: { ...base, tags } })),
    fc.tuple(fc.oneof(fc.constantFrom(...KNOWN_KEYS), hostileString), fc.oneof(hostileString, hostileJson, oddNumber)).map(([key, value]) => ({ what: `configuration[${JSON.stringify(key).slice(0, 40)}]`, body: set(key, value) })),
    hostileResources.map((resources) => ({ what: 'hostile resources', body: set('event.poller.configuration', resources) })),
    fc.array(fc.array(fc.oneof(hostileString, fc.constantFrom('/ok', '__proto__', 'contacts', 'id')), { maxLength: 10 }).map((f) => f.join('|')), { maxLength: 4 }).map((lines) => ({ what: 'hostile poller lines', body: set('event.poller.urls', lines.join('\n')) })),
    oddNumber.map((n) => ({ what: 'an odd refresh interval', body: set('event.poller.refresh_interval', n) })),
    hostileString.map((s) => ({ what: 'a hostile URL', body: set(s.length % 2 ? 'base.url' : 'event.notification.callback.url', `http://127.0.0.1/${s}`) })),
    fc.tuple(fc.constantFrom('sagecrm', 'connectwisecrmrest', 'sageone', 'maximizer', 'http'), fc.dictionary(fc.oneof(hostileString, fc.constantFrom(...KNOWN_KEYS)), fc.oneof(hostileString, oddNumber), { maxKeys: 5 })).map(([key, c]) => ({
      what: `element ${key} with hostile configuration`,
      body: { element: { key }, name: 'other element', configuration: c },
    })),
    fc.oneof(hostileJson, hostileString).map((body) => ({ what: 'not an instance at all', body })),
    fc.record({ element: fc.oneof(hostileJson, hostileString.map((key) => ({ key }))), providerData: hostileJson, disabled: fc.oneof(hostileJson, fc.boolean()) }).map((r) => ({ what: 'hostile element, providerData, disabled', body: { ...base, ...r } })),
  );
}

/** PATCH and PUT bodies: partial changes, nulls that remove keys, the secret mask, and hostile values. */
export const hostilePatch: fc.Arbitrary<unknown> = fc.oneof(
  fc.record(
    {
      name: hostileString,
      tags: fc.oneof(fc.array(hostileString, { maxLength: 55 }), fc.integer({ min: -2, max: 2 }).map((d) => tagsOfBytes(MAX_TAGS_BYTES + d))),
      configuration: fc.dictionary(fc.oneof(fc.constantFrom(...KNOWN_KEYS), hostileString), fc.oneof(hostileString, oddNumber, fc.constant(null), fc.constant('********'), hostileJson), { maxKeys: 4 }),
      providerData: hostileJson,
      disabled: fc.oneof(fc.boolean(), hostileJson),
    },
    { requiredKeys: [] },
  ),
  hostileJson,
);
