import type { LookupAddress } from 'node:dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhookDispatcher } from '../../server/delivery/dispatcher.js';
import { sendAttempt } from '../../server/delivery/send-attempt.js';
import { classifyAddress, UrlGuard, UrlRefusedError, type Resolve } from '../../server/delivery/url-guard.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

describe('classifyAddress', () => {
  it.each([
    ['a public IPv4 address', '93.184.216.34', 'public'],
    ['a private 10/8 address', '10.0.0.8', 'private'],
    ['a private 172.16/12 address', '172.31.255.255', 'private'],
    ['the public address just past 172.16/12', '172.32.0.1', 'public'],
    ['a private 192.168/16 address', '192.168.1.1', 'private'],
    ['loopback', '127.0.0.1', 'loopback'],
    ['any of 127/8', '127.255.0.9', 'loopback'],
    ['link-local (cloud metadata)', '169.254.169.254', 'link-local'],
    ['carrier-grade NAT', '100.64.0.1', 'shared'],
    ['the unspecified address', '0.0.0.0', 'unspecified'],
    ['"this network"', '0.1.2.3', 'unspecified'],
    ['multicast', '224.0.0.251', 'multicast'],
    ['broadcast', '255.255.255.255', 'reserved'],
    ['benchmarking', '198.18.0.1', 'reserved'],
    ['documentation', '203.0.113.7', 'documentation'],
    ['a public IPv6 address', '2606:4700:4700::1111', 'public'],
    ['IPv6 loopback', '::1', 'loopback'],
    ['IPv6 loopback in brackets', '[::1]', 'loopback'],
    ['IPv6 unspecified', '::', 'unspecified'],
    ['IPv6 link-local', 'fe80::1', 'link-local'],
    ['IPv6 link-local with a zone', 'fe80::1%eth0', 'link-local'],
    ['IPv6 unique-local', 'fd12:3456::1', 'unique-local'],
    ['IPv6 multicast', 'ff02::1', 'multicast'],
    ['IPv6 documentation', '2001:db8::1', 'documentation'],
    ['IPv4-mapped loopback, dotted', '::ffff:127.0.0.1', 'loopback'],
    ['IPv4-mapped loopback, in hex', '::ffff:7f00:1', 'loopback'],
    ['IPv4-mapped private', '::ffff:10.1.2.3', 'private'],
    ['IPv4-mapped public', '::ffff:8.8.8.8', 'public'],
    ['NAT64 of a private address', '64:ff9b::10.0.0.1', 'private'],
    ['NAT64 of a public address', '64:ff9b::808:808', 'public'],
    ['6to4 of a private address', '2002:c0a8:0101::1', 'private'],
    // Found by the attacker: IPv4-translated loopback (RFC 2765) was accepted as public.
    ['IPv4-translated loopback', '::ffff:0:7f00:1', 'reserved'],
    ['the rest of ::/8', '::1:2:3:4', 'reserved'],
    ['outside global unicast', '4000::1', 'reserved'],
    ['SRv6 SIDs', '5f00::1', 'reserved'],
    ['the first global unicast address', '2000::1', 'public'],
    ['the last global unicast address', '3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'public'],
  ])('%s (%s) is %s', (_name, address, want) => {
    expect(classifyAddress(address)).toBe(want);
  });

  it('throws for something that is not an address', () => {
    expect(() => classifyAddress('example.com')).toThrow(TypeError);
  });
});

/** DNS as a table; a name missing from it does not resolve. */
function fakeDns(table: Record<string, string[]>): Resolve {
  return async (hostname) => {
    const addresses = table[hostname];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

describe('UrlGuard.check', () => {
  const dns = fakeDns({
    'hooks.example.com': ['93.184.216.34', '2606:2800:220:1::248'],
    'internal.example.com': ['10.0.0.8'],
    'half.example.com': ['93.184.216.34', '192.168.0.10'],
    localhost: ['127.0.0.1', '::1'],
  });
  const guard = new UrlGuard({ allowedHosts: ['127.0.0.1'], resolve: dns });

  it.each([
    ['an https URL of a public host', 'https://hooks.example.com/webhook'],
    ['http to an allowed host', 'http://127.0.0.1:8080/webhook'],
  ])('accepts %s', async (_name, url) => {
    await expect(guard.check(url)).resolves.toBeInstanceOf(URL);
  });

  it.each([
    ['http to a host that is not allowed', 'http://hooks.example.com/webhook', { reason: 'https-required', message: 'must use https' }],
    ['a host that resolves to a private address', 'https://internal.example.com/', { reason: 'forbidden-address', message: 'resolves to a private address', address: '10.0.0.8' }],
    ['a host with one private address among public ones', 'https://half.example.com/', { reason: 'forbidden-address', message: 'resolves to a private address' }],
    ['a private IPv4 literal', 'https://10.0.0.8/hook', { reason: 'forbidden-address', message: 'resolves to a private address' }],
    ['an IPv6 loopback literal', 'https://[::1]/hook', { reason: 'forbidden-address', message: 'resolves to a loopback address' }],
    ['an IPv4-mapped IPv6 loopback literal', 'https://[::ffff:127.0.0.1]/hook', { reason: 'forbidden-address', message: 'resolves to a loopback address' }],
    ['an IPv4-translated IPv6 loopback literal', 'https://[::ffff:0:7f00:1]/hook', { reason: 'forbidden-address', message: 'resolves to a reserved address' }],
    ['the metadata address', 'https://169.254.169.254/latest', { reason: 'forbidden-address', message: 'resolves to a link-local address' }],
    ['localhost when only 127.0.0.1 is allowed', 'https://localhost/hook', { reason: 'forbidden-address', message: 'resolves to a loopback address' }],
    ['a host that does not resolve', 'https://nowhere.example.com/', { reason: 'unresolvable', message: 'does not resolve (ENOTFOUND)' }],
    ['another scheme', 'ftp://hooks.example.com/', { reason: 'invalid-url' }],
    ['a user and password', 'https://user:secret@hooks.example.com/webhook', { reason: 'credentials-in-url' }],
    ['a user alone', 'https://user@hooks.example.com/webhook', { reason: 'credentials-in-url' }],
    ['an empty user info', 'https://@hooks.example.com/webhook', { reason: 'credentials-in-url' }],
    ['an allowed host with a password', 'http://:pw@127.0.0.1:9/webhook', { reason: 'credentials-in-url' }],
    ['something that is not a URL', 'hooks.example.com/webhook', { reason: 'invalid-url' }],
  ])('refuses %s', async (_name, url, want) => {
    const refusal = await guard.check(url).then(() => null, (error: unknown) => error);
    expect(refusal).toBeInstanceOf(UrlRefusedError);
    expect(refusal).toMatchObject(want);
  });

  it('compares allowed hosts without regard to case or IPv6 brackets', () => {
    const lenient = new UrlGuard({ allowedHosts: ['LocalHost', '[::1]'] });
    expect([lenient.isAllowedHost('localhost'), lenient.isAllowedHost('[::1]'), lenient.isAllowedHost('::1')]).toEqual([true, true, true]);
  });
});

describe('the guard at connect time', () => {
  let receiver: WebhookReceiver;
  let port: string;
  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    port = new URL(receiver.url).port;
  });
  afterAll(() => receiver.close());

  async function post(guard: UrlGuard, url: string) {
    const dispatcher = createWebhookDispatcher(guard);
    try {
      return await sendAttempt({ url, headers: { 'content-type': 'application/json' }, body: '{}', dispatcher, timeoutMs: 5_000 });
    } finally {
      await dispatcher.close();
    }
  }

  it('delivers to an allowed host', async () => {
    const outcome = await post(new UrlGuard({ allowedHosts: ['127.0.0.1'] }), `http://127.0.0.1:${port}/webhook`);
    expect(outcome).toMatchObject({ statusCode: 200, error: null });
  });

  it('refuses plain http to a host that is not allowed, without calling it', async () => {
    const before = receiver.received.length;
    const outcome = await post(new UrlGuard({ allowedHosts: ['localhost'] }), `http://127.0.0.1:${port}/webhook`);
    expect(outcome).toMatchObject({ statusCode: null, failure: 'refused-url', error: 'must use https' });
    expect(receiver.received.length).toBe(before);
  });

  // The refusals below come before any TLS, so an https URL to the plain receiver shows them.
  it('refuses an IP literal that is not allowed, without calling it', async () => {
    const before = receiver.received.length;
    const outcome = await post(new UrlGuard({ allowedHosts: [] }), `https://127.0.0.1:${port}/webhook`);
    expect(outcome).toMatchObject({ statusCode: null, failure: 'refused-url', error: 'resolves to a loopback address' });
    expect(receiver.received.length).toBe(before);
  });

  it('refuses a name that resolves to loopback when only 127.0.0.1 is allowed (real DNS)', async () => {
    const before = receiver.received.length;
    const outcome = await post(new UrlGuard({ allowedHosts: ['127.0.0.1'] }), `https://localhost:${port}/webhook`);
    expect(outcome).toMatchObject({ statusCode: null, failure: 'refused-url', error: 'resolves to a loopback address' });
    expect(receiver.received.length).toBe(before);
  });

  it('refuses a name that was public when checked and resolves to loopback when connecting (DNS rebinding)', async () => {
    const answers = [['93.184.216.34'], ['127.0.0.1']];
    const guard = new UrlGuard({
      resolve: async () => (answers.shift() ?? ['127.0.0.1']).map((address) => ({ address, family: 4 })),
    });
    await expect(guard.check('https://rebind.example.com/webhook')).resolves.toBeInstanceOf(URL);
    const before = receiver.received.length;
    const outcome = await post(guard, `https://rebind.example.com:${port}/webhook`);
    expect(outcome).toMatchObject({ statusCode: null, failure: 'refused-url', error: 'resolves to a loopback address' });
    expect(receiver.received.length).toBe(before);
  });
});
