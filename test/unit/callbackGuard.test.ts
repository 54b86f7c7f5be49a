/** The callback URL policy: loopback, private and link-local targets refused unless allowed. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPrivateAddress } from '../../net/addressPolicy';
import { CallbackRefused, checkOutboundUrl, type PolicyOptions } from '../../net/outboundGuard';

const checkCallbackUrl = (url: string, options: PolicyOptions): Promise<void> => checkOutboundUrl(url, 'callback', options);

const refused = (url: string, lookup?: (host: string) => Promise<{ address: string; family: number }[]>) =>
  assert.rejects(checkCallbackUrl(url, { allowPrivate: false, lookup }), CallbackRefused, url);

test('loopback, private, link-local and other inward addresses are refused', async () => {
  for (const url of [
    'http://127.0.0.1/hook',
    'http://127.9.9.9:8080/hook',
    'http://10.1.2.3/hook',
    'http://172.16.0.1/hook',
    'http://192.168.1.20/hook',
    'http://169.254.169.254/latest/meta-data',
    'http://0.0.0.0/hook',
    'http://100.64.0.1/hook',
    'http://[::1]/hook',
    'http://[fe80::1]/hook',
    'http://[fd00::1]/hook',
    'http://[::ffff:127.0.0.1]/hook',
  ]) {
    await refused(url);
  }
});

test('localhost is refused through its real resolution', async () => {
  await refused('http://localhost:5000/hook');
});

test('a hostname that resolves to a private address is refused; a public one passes', async () => {
  const lookup = async (host: string) => (host === 'inward.example' ? [{ address: '10.0.0.5', family: 4 }] : [{ address: '93.184.215.14', family: 4 }]);
  await refused('https://inward.example/hook', lookup);
  // Any private answer among several is enough to refuse (DNS round-robin cannot sneak one in).
  await refused('https://mixed.example/hook', async () => [{ address: '93.184.215.14', family: 4 }, { address: '192.168.0.9', family: 4 }]);
  await checkCallbackUrl('https://public.example/hook', { allowPrivate: false, lookup });
});

test('non-http schemes are refused even when private callbacks are allowed; private ones pass when allowed', async () => {
  await assert.rejects(checkCallbackUrl('file:///etc/passwd', { allowPrivate: true }), CallbackRefused);
  await checkCallbackUrl('http://127.0.0.1:5000/hook', { allowPrivate: true });
});

test('isPrivateAddress: table', () => {
  const table: [string, boolean][] = [
    ['127.0.0.1', true],
    ['10.255.255.255', true],
    ['172.31.255.255', true],
    ['172.32.0.1', false],
    ['192.168.0.1', true],
    ['169.254.0.1', true],
    ['8.8.8.8', false],
    ['93.184.215.14', false],
    ['::1', true],
    ['2606:4700::1111', false],
    ['not-an-ip', true],
  ];
  for (const [address, expected] of table) assert.equal(isPrivateAddress(address), expected, address);
});
