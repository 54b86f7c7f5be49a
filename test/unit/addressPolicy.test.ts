/**
 * The outbound address policy: which addresses are refused (table), that every address of a refused
 * range is refused in every textual form a URL can carry it in (property), and the URL check's
 * answers for host names, schemes and the two settings.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isPrivateAddress, refusedRange } from '../../net/addressPolicy';
import { CallbackRefused, checkOutboundUrl, OutboundRefused, privateAllowed, ProviderRefused, type OutboundTarget } from '../../net/outboundGuard';

test('refusedRange: table', () => {
  const table: [string, RegExp | undefined][] = [
    ['127.0.0.1', /loopback/],
    ['127.255.255.254', /loopback/],
    ['10.1.2.3', /private/],
    ['172.16.0.1', /private/],
    ['172.31.255.255', /private/],
    ['172.32.0.1', undefined],
    ['192.168.1.20', /private/],
    ['169.254.169.254', /link-local/],
    ['100.64.0.1', /shared/],
    ['0.0.0.0', /this network/],
    ['192.0.2.10', /documentation/],
    ['224.0.0.1', /multicast/],
    ['255.255.255.255', /reserved/],
    ['8.8.8.8', undefined],
    ['93.184.215.14', undefined],
    ['::1', /loopback/],
    ['::', /unspecified/],
    ['::127.0.0.1', /IPv4-compatible/],
    ['::7f00:1', /IPv4-compatible/],
    ['::8.8.8.8', /IPv4-compatible/],
    ['::ffff:127.0.0.1', /IPv4-mapped 127\.0\.0\.1: loopback/],
    ['::ffff:7f00:1', /IPv4-mapped 127\.0\.0\.1: loopback/],
    ['::ffff:a9fe:a9fe', /IPv4-mapped 169\.254\.169\.254/],
    ['::ffff:8.8.8.8', undefined],
    ['::ffff:0:127.0.0.1', /IPv4-translated 127\.0\.0\.1: loopback/],
    ['::ffff:0:8.8.8.8', undefined],
    ['64:ff9b::169.254.169.254', /NAT64/],
    ['64:ff9b::8.8.8.8', /NAT64/],
    ['64:ff9b:1::1', /local-use NAT64/],
    ['2002:7f00:1::', /6to4/],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', /Teredo/],
    ['2001:db8::1', /documentation/],
    ['fec0::1', /site-local/],
    ['100::1', /discard-only/],
    ['fd00::1', /unique local/],
    ['fe80::1', /link-local/],
    ['fe80::1%eth0', /link-local/],
    ['ff02::1', /multicast/],
    ['2606:4700::1111', undefined],
    ['2001:4860:4860::8888', undefined],
    ['2a00:1450:4001:82a::200e', undefined],
    ['not-an-ip', /not an IP address/],
    ['0177.0.0.1', /not an IP address/],
    ['', /not an IP address/],
  ];
  for (const [address, expected] of table) {
    const range = refusedRange(address);
    if (expected) assert.match(range ?? '(allowed)', expected, address);
    else assert.equal(range, undefined, address);
    assert.equal(isPrivateAddress(address), expected !== undefined, address);
  }
});

// ------------------------------------------------------------------ every address, every form

const V4_RANGES: [number, number][] = [
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
].map(([net, prefix]) => [(net as string).split('.').reduce((a, o) => a * 256 + Number(o), 0), prefix as number]);

const V6_RANGES: [bigint, number][] = [
  [0n, 96], // ::/96, IPv4-compatible (with :: and ::1)
  [0x0064ff9bn << 96n, 96],
  [0x0064ff9b0001n << 80n, 48],
  [0x0100n << 112n, 64],
  [0x20010000n << 96n, 32],
  [0x2002n << 112n, 16],
  [0xfc00n << 112n, 7],
  [0xfe80n << 112n, 10],
  [0xfec0n << 112n, 10],
  [0xff00n << 112n, 8],
];

const octets = (n: number): number[] => [24, 16, 8, 0].map((s) => (n >>> s) & 0xff);
const dotted = (n: number): string => octets(n).join('.');
const hex16 = (n: number): [string, string] => [((n >>> 16) & 0xffff).toString(16), (n & 0xffff).toString(16)];

/** Every way a URL host can name IPv4 address `n`: the WHATWG parser's numeric forms and the IPv6 forms that embed it. */
function v4Forms(n: number): string[] {
  const [a, b, c, d] = octets(n) as [number, number, number, number];
  const [hi, lo] = hex16(n);
  return [
    dotted(n),
    `${dotted(n)}.`,
    String(n),
    `0x${n.toString(16)}`,
    `0X${n.toString(16).toUpperCase()}`,
    octets(n).map((o) => `0${o.toString(8)}`).join('.'),
    octets(n).map((o) => `0x${o.toString(16)}`).join('.'),
    `${a}.${b * 65536 + c * 256 + d}`,
    `${a}.${b}.${c * 256 + d}`,
    `[::ffff:${dotted(n)}]`,
    `[::FFFF:${hi}:${lo}]`,
    `[0:0:0:0:0:ffff:${dotted(n)}]`,
    `[0000:0000:0000:0000:0000:ffff:${hi.padStart(4, '0')}:${lo.padStart(4, '0')}]`,
    `[::ffff:0:${dotted(n)}]`,
    `[::ffff:0:${hi}:${lo}]`,
    `[::${dotted(n)}]`,
    `[::${hi}:${lo}]`,
    `[64:ff9b::${dotted(n)}]`,
    `[64:FF9B::${hi}:${lo}]`,
    `[2002:${hi}:${lo}::]`,
    `[2002:${hi}:${lo}::1]`,
  ];
}

const groups = (value: bigint): string[] => Array.from({ length: 8 }, (_, i) => ((value >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));

/** Every way to write IPv6 address `value`: expanded, zero-padded, upper case, and compressed by the URL parser. */
function v6Forms(value: bigint): string[] {
  const g = groups(value);
  return [`[${g.join(':')}]`, `[${g.map((x) => x.padStart(4, '0')).join(':')}]`, `[${g.join(':').toUpperCase()}]`, new URL(`http://[${g.join(':')}]/`).hostname];
}

const targets: OutboundTarget[] = ['provider', 'callback'];

async function assertRefused(host: string, target: OutboundTarget): Promise<void> {
  const url = `http://${host}:8080/x`;
  await assert.rejects(checkOutboundUrl(url, target, { allowPrivate: false, lookup: async () => assert.fail(`${url} was looked up: not read as an address`) }), (err: Error) => {
    assert.ok(err instanceof OutboundRefused, `${url}: ${err}`);
    assert.equal(err.target, target);
    return true;
  });
}

test('every IPv4 address of a refused range is refused in every textual form', async () => {
  const inRange = fc.constantFrom(...V4_RANGES).chain(([base, prefix]) => fc.integer({ min: 0, max: 2 ** (32 - prefix) - 1 }).map((offset) => base + offset));
  await fc.assert(
    fc.asyncProperty(inRange, fc.constantFrom(...targets), async (n, target) => {
      for (const host of v4Forms(n)) await assertRefused(host, target);
    }),
    { numRuns: 300 },
  );
});

test('every IPv6 address of a refused range is refused in every textual form', async () => {
  const inRange = fc
    .constantFrom(...V6_RANGES)
    .chain(([base, prefix]) => fc.bigInt({ min: 0n, max: (1n << BigInt(128 - prefix)) - 1n }).map((offset) => base | offset));
  await fc.assert(
    fc.asyncProperty(inRange, fc.constantFrom(...targets), async (value, target) => {
      for (const host of v6Forms(value)) await assertRefused(host, target);
    }),
    { numRuns: 300 },
  );
});

test('public addresses pass in their forms; the embedded IPv4 of a mapped address decides', async () => {
  for (const host of ['8.8.8.8', '134744072', '0x08080808', '[::ffff:8.8.8.8]', '[::ffff:808:808]', '[2606:4700::1111]', '[2001:4860:4860::8888]']) {
    await checkOutboundUrl(`https://${host}/x`, 'provider', { allowPrivate: false });
  }
});

// ------------------------------------------------------------------ host names, schemes, settings

test('a host name is refused when any of its addresses is inward; localhost through its real resolution', async () => {
  const lookup = async (host: string) => (host === 'inward.example' ? [{ address: '10.0.0.5', family: 4 }] : [{ address: '93.184.215.14', family: 4 }]);
  await assert.rejects(checkOutboundUrl('https://inward.example/x', 'provider', { allowPrivate: false, lookup }), ProviderRefused);
  await assert.rejects(
    checkOutboundUrl('https://mixed.example/x', 'callback', { allowPrivate: false, lookup: async () => [{ address: '93.184.215.14', family: 4 }, { address: '::ffff:192.168.0.9', family: 6 }] }),
    CallbackRefused,
  );
  await checkOutboundUrl('https://public.example/x', 'provider', { allowPrivate: false, lookup });
  await assert.rejects(checkOutboundUrl('http://localhost:3000/x', 'provider', { allowPrivate: false }), /localhost resolves to .*loopback.*POLLSTER_ALLOW_PRIVATE_PROVIDERS=true/);
  await assert.rejects(checkOutboundUrl('https://nowhere.invalid/x', 'provider', { allowPrivate: false, lookup: async () => Promise.reject(new Error('ENOTFOUND')) }), /does not resolve/);
});

test('only absolute http(s) URLs, even when private targets are allowed; private ones pass when allowed', async () => {
  for (const url of ['file:///etc/passwd', 'gopher://127.0.0.1:70/x', 'javascript:alert(1)', '/relative/path', 'ftp://example.com/']) {
    await assert.rejects(checkOutboundUrl(url, 'provider', { allowPrivate: true }), ProviderRefused, url);
  }
  await checkOutboundUrl('http://127.0.0.1:5000/x', 'provider', { allowPrivate: true });
  await checkOutboundUrl('http://[::1]:5000/x', 'callback', { allowPrivate: true });
});

test('each target has its own setting, off unless exactly "true"', () => {
  const env = { POLLSTER_ALLOW_PRIVATE_PROVIDERS: 'true', POLLSTER_ALLOW_PRIVATE_CALLBACKS: 'false' };
  assert.equal(privateAllowed('provider', env), true);
  assert.equal(privateAllowed('callback', env), false);
  assert.equal(privateAllowed('provider', {}), false);
  assert.equal(privateAllowed('provider', { POLLSTER_ALLOW_PRIVATE_PROVIDERS: '1' }), false);
});
