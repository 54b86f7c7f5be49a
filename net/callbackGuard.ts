/**
 * Callback URL policy (SPEC §6): notifications never go to loopback, private or link-local
 * addresses unless the deployment allows it. Checked when an instance is created and again on every
 * delivery, at connect time, so a DNS answer that changes later cannot point Pollster inward.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { Agent } from 'undici';

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true; // not an address: refuse rather than guess
  if (family === 6 && address.toLowerCase().startsWith('::ffff:')) {
    const v4 = address.slice(7);
    if (isIP(v4) === 4) return blocked.check(v4, 'ipv4');
  }
  return blocked.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export function privateCallbacksAllowed(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.POLLSTER_ALLOW_PRIVATE_CALLBACKS === 'true';
}

export type Lookup = (hostname: string) => Promise<LookupAddress[]>;

const systemLookup: Lookup = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))));

export class CallbackRefused extends Error {
  override readonly name = 'CallbackRefused';
}

/** Resolves the callback's host; throws CallbackRefused when any address it resolves to is not public. */
export async function checkCallbackUrl(url: string, options: { allowPrivate?: boolean; lookup?: Lookup } = {}): Promise<void> {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new CallbackRefused(`callback must be http(s), not ${parsed.protocol}`);
  if (options.allowPrivate ?? privateCallbacksAllowed()) return;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  let addresses: LookupAddress[];
  try {
    addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await (options.lookup ?? systemLookup)(host);
  } catch (err) {
    throw new CallbackRefused(`callback host ${host} does not resolve: ${(err as Error).message}`);
  }
  const inward = addresses.find((a) => isPrivateAddress(a.address));
  if (inward) {
    throw new CallbackRefused(`callback host ${host} resolves to ${inward.address}, a loopback, private or link-local address (set POLLSTER_ALLOW_PRIVATE_CALLBACKS=true to allow)`);
  }
}

/**
 * An undici dispatcher whose connections check the address they actually connect to: the guard
 * holds even when DNS answers differently between the check and the connection.
 */
export function guardedAgent(allowPrivate = privateCallbacksAllowed()): Agent {
  if (allowPrivate) return new Agent();
  return new Agent({
    connect: {
      lookup: ((hostname: string, options: { all?: boolean }, callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void) => {
        dnsLookup(hostname, { all: true }, (err, addresses) => {
          if (err) return callback(err, '', 0);
          const inward = addresses.find((a) => isPrivateAddress(a.address));
          if (inward) return callback(new CallbackRefused(`callback host ${hostname} resolves to ${inward.address}`), '', 0);
          // net.connect asks for every address when it races IPv4/IPv6 (autoSelectFamily), else for one.
          if (options.all) return callback(null, addresses);
          return callback(null, addresses[0]!.address, addresses[0]!.family);
        });
      }) as never,
    },
  });
}
