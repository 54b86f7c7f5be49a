/**
 * The outbound address policy: every request Pollster makes for an instance (provider records, the
 * OAuth2 token endpoint, the callback) goes to a public address unless the deployment allows
 * private ones, per kind of target. Checked when an instance is created (`checkOutboundUrl`) and
 * again on every connection (`guardedDispatcher`), on the address actually connected to, so a DNS
 * answer that changes after the check cannot point Pollster inward.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { Agent, buildConnector } from 'undici';
import { refusedRange } from './addressPolicy';

/** `provider` covers the provider's API and its OAuth2 token endpoint; `callback` the notification receiver. */
export type OutboundTarget = 'provider' | 'callback';

/** The setting that allows loopback, private and link-local addresses for each kind of target. */
export const ALLOW_PRIVATE_SETTING: Readonly<Record<OutboundTarget, string>> = {
  provider: 'POLLSTER_ALLOW_PRIVATE_PROVIDERS',
  callback: 'POLLSTER_ALLOW_PRIVATE_CALLBACKS',
};

/** A request the policy does not allow. Never retried: the same address is refused again. */
export class OutboundRefused extends Error {
  override name = 'OutboundRefused';
  constructor(
    message: string,
    readonly target: OutboundTarget,
  ) {
    super(message);
  }
}

export class CallbackRefused extends OutboundRefused {
  override name = 'CallbackRefused';
  constructor(message: string) {
    super(message, 'callback');
  }
}

export class ProviderRefused extends OutboundRefused {
  override name = 'ProviderRefused';
  constructor(message: string) {
    super(message, 'provider');
  }
}

function refusal(target: OutboundTarget, message: string): OutboundRefused {
  return target === 'callback' ? new CallbackRefused(message) : new ProviderRefused(message);
}

/** Off unless the setting is exactly `true` (`npm start`'s embedded default sets it). */
export function privateAllowed(target: OutboundTarget, env: NodeJS.ProcessEnv = process.env): boolean {
  return env[ALLOW_PRIVATE_SETTING[target]] === 'true';
}

export type Lookup = (hostname: string) => Promise<LookupAddress[]>;

const systemLookup: Lookup = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))));

export interface PolicyOptions {
  /** Default: the target's setting, read at each check (a deployment can change it between runs of a test). */
  allowPrivate?: boolean;
  lookup?: Lookup;
}

/** The first address the policy refuses, with why; undefined when all are public. */
function firstRefused(addresses: readonly { address: string }[]): { address: string; range: string } | undefined {
  for (const { address } of addresses) {
    const range = refusedRange(address);
    if (range) return { address, range };
  }
  return undefined;
}

const refusedMessage = (target: OutboundTarget, host: string, address: string, range: string): string =>
  `${target} host ${host} resolves to ${address}, ${range}: not a public address (set ${ALLOW_PRIVATE_SETTING[target]}=true to allow)`;

/**
 * Throws OutboundRefused when `url` is not http(s), or when any address its host resolves to is not
 * public (a DNS answer with one inward address among several is refused: round-robin cannot sneak
 * one in). For the API's validation at creation; the dispatcher enforces the same at connect time.
 */
export async function checkOutboundUrl(url: string, target: OutboundTarget, options: PolicyOptions = {}): Promise<void> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw refusal(target, `${target} URL is not an absolute URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw refusal(target, `${target} URL must be http(s), not ${parsed.protocol}`);
  if (options.allowPrivate ?? privateAllowed(target)) return;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  let addresses: LookupAddress[];
  try {
    addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await (options.lookup ?? systemLookup)(host);
  } catch (err) {
    throw refusal(target, `${target} host ${host} does not resolve: ${(err as Error).message}`);
  }
  const inward = firstRefused(addresses);
  if (inward) throw refusal(target, refusedMessage(target, host, inward.address, inward.range));
}

type LookupCallback = (err: Error | null, address: string | LookupAddress[], family?: number) => void;

export interface DispatcherOptions {
  /** Default: the target's setting, read at each new connection. */
  allowPrivate?: boolean | (() => boolean);
  /** Name resolution (tests); default the system's. */
  lookup?: Lookup;
  /** undici's connect options (timeouts, TLS). */
  connect?: buildConnector.BuildOptions;
  /** Other undici Agent options (e.g. `maxResponseSize`). */
  agent?: Omit<Agent.Options, 'connect'>;
}

/**
 * An undici dispatcher whose every connection obeys the policy: an IP literal is checked before the
 * socket is opened, a host name through a lookup that refuses inward answers, and the socket's peer
 * address once more after connecting (so no path around the lookup connects somewhere inward unseen).
 */
export function guardedDispatcher(target: OutboundTarget, options: DispatcherOptions = {}): Agent {
  const allowed = typeof options.allowPrivate === 'function' ? options.allowPrivate : () => (options.allowPrivate as boolean | undefined) ?? privateAllowed(target);
  const resolve = options.lookup ?? systemLookup;
  const lookupThat = (guard: boolean) => (hostname: string, lookupOptions: { all?: boolean }, callback: LookupCallback): void => {
    resolve(hostname).then(
      (addresses) => {
        const inward = guard ? firstRefused(addresses) : undefined;
        if (inward) return callback(refusal(target, refusedMessage(target, hostname, inward.address, inward.range)), '', 0);
        if (addresses.length === 0) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
        // net.connect asks for every address when it races IPv4 and IPv6 (autoSelectFamily), else for one.
        if (lookupOptions.all) return callback(null, addresses);
        return callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (err: Error) => callback(err, '', 0),
    );
  };
  const open = buildConnector({ ...options.connect, lookup: lookupThat(false) as never });
  const openGuarded = buildConnector({ ...options.connect, lookup: lookupThat(true) as never });
  const connect: buildConnector.connector = (opts, callback) => {
    if (allowed()) return open(opts, callback);
    if (isIP(opts.hostname)) {
      const range = refusedRange(opts.hostname);
      if (range) return callback(refusal(target, refusedMessage(target, opts.hostname, opts.hostname, range)), null);
    }
    openGuarded(opts, (err, socket) => {
      if (err) return callback(err, null);
      const peer = socket!.remoteAddress;
      const range = peer === undefined ? 'no peer address' : refusedRange(peer);
      if (range) {
        socket!.destroy();
        return callback(refusal(target, refusedMessage(target, opts.hostname, peer ?? '?', range)), null);
      }
      callback(null, socket!);
    });
  };
  return new Agent({ ...options.agent, connect });
}
