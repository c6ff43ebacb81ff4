/**
 * Which webhook URLs the server may call (SSRF protection). A URL must use `https` and every
 * address its host resolves to must be public, unless the host is allowed by configuration (for
 * local development). The same rule runs twice: when a URL is saved (`check`) and when a
 * connection is opened (`lookup`, `refuseAddress`), so a name that resolves differently later
 * (DNS rebinding) cannot reach an internal address.
 * @see https://docs.svix.com/security
 */
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/** What an address is; only `public` ones may be called by a host that is not allowed. */
export type AddressKind =
  | 'public'
  | 'private'
  | 'loopback'
  | 'link-local'
  | 'unique-local'
  | 'multicast'
  | 'unspecified'
  | 'shared' // carrier-grade NAT, 100.64.0.0/10
  | 'documentation'
  | 'reserved';

type NonPublic = Exclude<AddressKind, 'public'>;

// IANA special-purpose registries (RFC 6890 and updates). First match wins.
const IPV4_RANGES: ReadonlyArray<[NonPublic, string, number]> = [
  ['unspecified', '0.0.0.0', 8],
  ['private', '10.0.0.0', 8],
  ['shared', '100.64.0.0', 10],
  ['loopback', '127.0.0.0', 8],
  ['link-local', '169.254.0.0', 16],
  ['private', '172.16.0.0', 12],
  ['reserved', '192.0.0.0', 24],
  ['documentation', '192.0.2.0', 24],
  ['reserved', '192.88.99.0', 24],
  ['private', '192.168.0.0', 16],
  ['reserved', '198.18.0.0', 15],
  ['documentation', '198.51.100.0', 24],
  ['documentation', '203.0.113.0', 24],
  ['multicast', '224.0.0.0', 4],
  ['reserved', '240.0.0.0', 4],
];

const IPV6_RANGES: ReadonlyArray<[NonPublic, string, number]> = [
  ['unspecified', '::', 128],
  ['loopback', '::1', 128],
  ['reserved', '::', 96], // IPv4-compatible, deprecated
  ['private', '64:ff9b:1::', 48], // local-use NAT64
  ['reserved', '100::', 64], // discard-only
  ['reserved', '2001::', 23], // IETF protocol assignments, Teredo included
  ['documentation', '2001:db8::', 32],
  ['documentation', '3fff::', 20],
  ['unique-local', 'fc00::', 7],
  ['link-local', 'fe80::', 10],
  ['private', 'fec0::', 10], // site-local, deprecated
  ['multicast', 'ff00::', 8],
];

function blockLists(ranges: ReadonlyArray<[NonPublic, string, number]>, family: 'ipv4' | 'ipv6') {
  return ranges.map(([kind, network, prefix]) => {
    const list = new BlockList();
    list.addSubnet(network, prefix, family);
    return { kind, list };
  });
}
const IPV4_LISTS = blockLists(IPV4_RANGES, 'ipv4');
const IPV6_LISTS = blockLists(IPV6_RANGES, 'ipv6');

// Every public IPv6 address is global unicast, 2000::/3 (RFC 4291 §2.4, IANA's IPv6 address
// space): outside it (IPv4-translated ::ffff:0:a.b.c.d, the rest of ::/8, 4000::/2, 5f00::/16…)
// nothing is public, whatever a host's stack makes of it.
const IPV6_GLOBAL_UNICAST = new BlockList();
IPV6_GLOBAL_UNICAST.addSubnet('2000::', 3, 'ipv6');

/**
 * Classifies an IP address. An IPv6 address that carries an IPv4 one (IPv4-mapped `::ffff:0:0/96`,
 * NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) is classified by the IPv4 address it reaches; any
 * other IPv6 address outside global unicast (2000::/3) is `reserved`.
 *
 * @example classifyAddress('::ffff:127.0.0.1') // 'loopback'
 */
export function classifyAddress(address: string): AddressKind {
  const ip = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const family = isIP(ip);
  if (family === 4) return IPV4_LISTS.find(({ list }) => list.check(ip, 'ipv4'))?.kind ?? 'public';
  if (family !== 6) throw new TypeError(`${address} is not an IP address`);
  const embedded = embeddedIPv4(ip);
  if (embedded) return classifyAddress(embedded);
  const listed = IPV6_LISTS.find(({ list }) => list.check(ip, 'ipv6'))?.kind;
  if (listed) return listed;
  return IPV6_GLOBAL_UNICAST.check(ip, 'ipv6') ? 'public' : 'reserved';
}

function embeddedIPv4(ip: string): string | null {
  const words = ipv6Words(ip);
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  const zeros = (from: number, to: number) => words.slice(from, to).every((w) => w === 0);
  if (zeros(0, 5) && words[5] === 0xffff) return v4(words[6], words[7]); // ::ffff:a.b.c.d
  if (words[0] === 0x64 && words[1] === 0xff9b && zeros(2, 6)) return v4(words[6], words[7]); // 64:ff9b::a.b.c.d
  if (words[0] === 0x2002) return v4(words[1], words[2]); // 2002:AABB:CCDD::
  return null;
}

/** The eight 16-bit words of a valid IPv6 address (`isIP` already said it is one). */
function ipv6Words(ip: string): number[] {
  let text = ip.split('%')[0]; // a zone index names an interface, not part of the address
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const parse = (part: string | undefined) => (part ? part.split(':').map((w) => parseInt(w, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  return [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
}

/** Why a URL may not be called. */
export type UrlRefusal = 'invalid-url' | 'credentials-in-url' | 'https-required' | 'unresolvable' | 'forbidden-address';

/** A URL the server will not call; `message` completes a sentence that starts with the URL. */
export class UrlRefusedError extends Error {
  override readonly name = 'UrlRefusedError';
  constructor(
    readonly reason: UrlRefusal,
    message: string,
    /** The address refused, for `forbidden-address` (for logs; the message does not repeat it). */
    readonly address?: string,
    readonly addressKind?: NonPublic,
  ) {
    super(message);
  }
}

/** Resolves a host name to every address it has, like `dns.lookup` with `all: true`. */
export type Resolve = (hostname: string) => Promise<LookupAddress[]>;

const systemResolve: Resolve = (hostname) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))),
  );

export interface UrlGuardOptions {
  /** Hosts (names or IP addresses, compared exactly) that may use `http` and private addresses. */
  allowedHosts?: readonly string[];
  /** DNS, replaceable in tests. */
  resolve?: Resolve;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

export class UrlGuard {
  readonly #allowed: ReadonlySet<string>;
  readonly #resolve: Resolve;

  constructor(options: UrlGuardOptions = {}) {
    this.#allowed = new Set((options.allowedHosts ?? []).map(normalizeHost).filter(Boolean));
    this.#resolve = options.resolve ?? systemResolve;
  }

  isAllowedHost(hostname: string): boolean {
    return this.#allowed.has(normalizeHost(hostname));
  }

  /**
   * Throws a `UrlRefusedError` unless the server may call `url`: `http(s)`, `https` unless its
   * host is allowed, and (unless allowed) every address it resolves to public. Answers the parsed URL.
   *
   * @example await guard.check('http://10.0.0.8/hook') // throws: resolves to a private address
   */
  async check(url: string): Promise<URL> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new UrlRefusedError('invalid-url', 'is not an absolute URL');
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      throw new UrlRefusedError('invalid-url', 'must be an http(s) URL');
    }
    // A user name or password in the URL would be stored and shown back in every answer about the
    // channel, and undici does not send it anyway: authenticate the calls by their signature.
    if (parsed.username !== '' || parsed.password !== '' || /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(url)) {
      throw new UrlRefusedError('credentials-in-url', 'must not hold a user name or password (verify the webhook signature instead)');
    }
    const refusal = this.refuseConnection(parsed.protocol, parsed.hostname);
    if (refusal) throw refusal;
    await this.resolveChecked(parsed.hostname);
    return parsed;
  }

  /**
   * What can be refused before any DNS: plain `http` to a host that is not allowed, and an IP
   * literal that is not allowed. The connect-time check runs this for every new connection.
   */
  refuseConnection(protocol: string, hostname: string): UrlRefusedError | null {
    if (protocol === 'http:' && !this.isAllowedHost(hostname)) return new UrlRefusedError('https-required', 'must use https');
    const host = normalizeHost(hostname);
    return isIP(host) ? this.refuseAddress(host, host) : null;
  }

  /** The refusal for connecting to `address` on behalf of `hostname`, or null when it is fine. */
  refuseAddress(hostname: string, address: string): UrlRefusedError | null {
    if (this.isAllowedHost(hostname)) return null;
    const kind = classifyAddress(address);
    if (kind === 'public') return null;
    return new UrlRefusedError('forbidden-address', `resolves to ${DESCRIBED[kind]} address`, address, kind);
  }

  /** Every address of `hostname`, once each is known to be allowed. */
  async resolveChecked(hostname: string): Promise<LookupAddress[]> {
    const host = normalizeHost(hostname);
    let addresses: LookupAddress[];
    if (isIP(host)) {
      addresses = [{ address: host, family: isIP(host) }];
    } else {
      try {
        addresses = await this.#resolve(host);
      } catch (error) {
        throw new UrlRefusedError('unresolvable', `does not resolve (${(error as NodeJS.ErrnoException).code ?? 'DNS error'})`);
      }
    }
    if (addresses.length === 0) throw new UrlRefusedError('unresolvable', 'does not resolve');
    // One bad address is enough: the connection may pick any of them.
    for (const { address } of addresses) {
      const refusal = this.refuseAddress(host, address);
      if (refusal) throw refusal;
    }
    return addresses;
  }

  /**
   * A `lookup` for `net.connect`/`tls.connect`: resolves, then refuses the connection when an
   * address is not allowed. Node skips `lookup` for IP literals; `refuseConnection` covers those.
   */
  readonly lookup = (hostname: string, options: LookupOneOptions | LookupAllOptions, callback: LookupCallback): void => {
    this.resolveChecked(hostname).then(
      (all) => {
        const family = options.family === 4 || options.family === 6 ? options.family : 0;
        const addresses = family ? all.filter((a) => a.family === family) : all;
        if (addresses.length === 0) callback(Object.assign(new Error(`no IPv${family} address for ${hostname}`), { code: 'ENOTFOUND' }), []);
        else if (options.all) callback(null, addresses);
        else callback(null, addresses[0].address, addresses[0].family);
      },
      (error: Error) => callback(error, []),
    );
  };
}

function normalizeHost(host: string): string {
  const lower = host.trim().toLowerCase();
  return lower.startsWith('[') && lower.endsWith(']') ? lower.slice(1, -1) : lower;
}

const DESCRIBED: Record<NonPublic, string> = {
  private: 'a private',
  loopback: 'a loopback',
  'link-local': 'a link-local',
  'unique-local': 'a unique-local',
  multicast: 'a multicast',
  unspecified: 'an unspecified',
  shared: 'a carrier-grade NAT',
  documentation: 'a documentation',
  reserved: 'a reserved',
};
