/**
 * Which IP addresses Pollster may connect to on behalf of an instance (provider, token endpoint,
 * callback): pure, no I/O. Loopback, private, link-local, multicast, reserved and documentation
 * ranges are refused, and so is every IPv6 form that carries an IPv4 address (mapped, translated,
 * NAT64, 6to4, IPv4-compatible), so `[::ffff:127.0.0.1]` or `[2002:7f00:1::]` cannot reach inward.
 */
import { isIP } from 'node:net';

interface Range {
  base: bigint;
  prefix: number;
  name: string;
}

const V4_BITS = 32;
const V6_BITS = 128;

function v4ToBigInt(address: string): bigint {
  return address.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

/** The 128 bits of a valid IPv6 address (zone index dropped; an embedded dotted quad read as 32 bits). */
function v6ToBigInt(address: string): bigint {
  let text = address.split('%')[0]!.toLowerCase();
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = v4ToBigInt(tail);
    text = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const left = head === '' ? [] : head.split(':');
  const right = rest === undefined || rest === '' ? [] : rest.split(':');
  const groups = rest === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.reduce((acc, group) => (acc << 16n) | BigInt(Number.parseInt(group, 16)), 0n);
}

function v4Range(cidr: string, name: string): Range {
  const [net, prefix] = cidr.split('/') as [string, string];
  return { base: v4ToBigInt(net), prefix: Number(prefix), name: `${name} (${cidr})` };
}

function v6Range(cidr: string, name: string): Range {
  const [net, prefix] = cidr.split('/') as [string, string];
  return { base: v6ToBigInt(net), prefix: Number(prefix), name: `${name} (${cidr})` };
}

const inRange = (value: bigint, bits: number, range: Range): boolean => value >> BigInt(bits - range.prefix) === range.base >> BigInt(bits - range.prefix);

/** IANA's special-purpose IPv4 ranges that are not the public internet. */
const V4_REFUSED: readonly Range[] = [
  v4Range('0.0.0.0/8', '"this network"'),
  v4Range('10.0.0.0/8', 'private'),
  v4Range('100.64.0.0/10', 'shared address space (CGNAT)'),
  v4Range('127.0.0.0/8', 'loopback'),
  v4Range('169.254.0.0/16', 'link-local (cloud metadata)'),
  v4Range('172.16.0.0/12', 'private'),
  v4Range('192.0.0.0/24', 'IETF protocol assignments'),
  v4Range('192.0.2.0/24', 'documentation'),
  v4Range('192.88.99.0/24', '6to4 relay anycast'),
  v4Range('192.168.0.0/16', 'private'),
  v4Range('198.18.0.0/15', 'benchmarking'),
  v4Range('198.51.100.0/24', 'documentation'),
  v4Range('203.0.113.0/24', 'documentation'),
  v4Range('224.0.0.0/4', 'multicast'),
  v4Range('240.0.0.0/4', 'reserved and broadcast'),
];

/** IPv6 ranges that carry an IPv4 address in their low 32 bits which decides: the IPv4 address is checked. */
const V6_EMBEDDING: readonly Range[] = [v6Range('::ffff:0:0/96', 'IPv4-mapped'), v6Range('::ffff:0:0:0/96', 'IPv4-translated')];

/**
 * IPv6 ranges refused whole. `::/96` (IPv4-compatible, with `::` and `::1`), NAT64 and 6to4 embed an
 * IPv4 address too, but nothing public needs them: refusing the range also refuses every IPv4 inside.
 */
const V6_REFUSED: readonly Range[] = [
  v6Range('::1/128', 'loopback'),
  v6Range('::/128', 'unspecified'),
  v6Range('::/96', 'IPv4-compatible'),
  v6Range('64:ff9b::/96', 'NAT64'),
  v6Range('64:ff9b:1::/48', 'local-use NAT64'),
  v6Range('100::/64', 'discard-only'),
  v6Range('2001::/32', 'Teredo'),
  v6Range('2001:2::/48', 'benchmarking'),
  v6Range('2001:db8::/32', 'documentation'),
  v6Range('2002::/16', '6to4'),
  v6Range('3fff::/20', 'documentation'),
  v6Range('fc00::/7', 'unique local'),
  v6Range('fe80::/10', 'link-local'),
  v6Range('fec0::/10', 'site-local'),
  v6Range('ff00::/8', 'multicast'),
];

const v4FromLow32 = (value: bigint): string => [24n, 16n, 8n, 0n].map((shift) => Number((value >> shift) & 0xffn)).join('.');

/**
 * Why `address` is refused (the range's name, e.g. `loopback (127.0.0.0/8)`), or undefined for a
 * public address. Anything that is not a plain IPv4 or IPv6 address is refused rather than guessed at.
 */
export function refusedRange(address: string): string | undefined {
  const family = isIP(address);
  if (family === 4) {
    const value = v4ToBigInt(address);
    return V4_REFUSED.find((r) => inRange(value, V4_BITS, r))?.name;
  }
  if (family !== 6) return 'not an IP address';
  const value = v6ToBigInt(address);
  const embedding = V6_EMBEDDING.find((r) => inRange(value, V6_BITS, r));
  if (embedding) {
    const v4 = v4FromLow32(value);
    const inner = refusedRange(v4);
    return inner && `${embedding.name.split(' ')[0]} ${v4}: ${inner}`;
  }
  return V6_REFUSED.find((r) => inRange(value, V6_BITS, r))?.name;
}

/** True when Pollster must not connect to `address` (unless the deployment allows private targets). */
export function isPrivateAddress(address: string): boolean {
  return refusedRange(address) !== undefined;
}
