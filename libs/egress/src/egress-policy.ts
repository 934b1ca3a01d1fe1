import { promises as dns } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { EgressAllowList } from './egress-allow-list';
import { EgressRefusedError } from './egress-errors';
import { forbiddenAddressClass } from './forbidden-address';

/** Whether the resource behind a connection may reach private addresses (its writer has `egress-private`). */
export interface EgressOptions {
  privateAllowed: boolean;
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to its addresses (the system resolver; tests pass their own). */
export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

export type EgressVerdict =
  | { allowed: true; host: string; port: number; addresses: ResolvedAddress[] }
  | { allowed: false; reason: string };

const systemResolver: HostResolver = async (hostname) =>
  (await dns.lookup(hostname, { all: true, verbatim: true })).map((entry) => ({ address: entry.address, family: entry.family === 6 ? 6 : 4 }));

const fromEnvCache = new Map<string, EgressPolicy>();

/**
 * Where resources may connect to. Loopback, private, link-local, CGNAT, unspecified, multicast,
 * reserved and cloud metadata addresses are refused — judged on the addresses a host name
 * resolves to, for every connection — unless the resource may reach private addresses or the
 * operator opened the address (KASTRA_EGRESS_ALLOW). A host with any refused address is refused.
 * `connectLookup()` is the one way to connect: it resolves once and hands the socket exactly the
 * addresses it checked, so a DNS answer that changes between a check and the connect (DNS
 * rebinding) cannot slip an address past it.
 */
export class EgressPolicy {
  constructor(
    readonly allowList: EgressAllowList = new EgressAllowList(),
    private readonly resolveHost: HostResolver = systemResolver,
  ) {}

  /** The policy of `env.KASTRA_EGRESS_ALLOW` (one instance per value). @throws EgressConfigError */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): EgressPolicy {
    const raw = env.KASTRA_EGRESS_ALLOW ?? '';
    let policy = fromEnvCache.get(raw);
    if (!policy) {
      policy = new EgressPolicy(new EgressAllowList(raw));
      fromEnvCache.set(raw, policy);
    }
    return policy;
  }

  /** Resolves `url`'s host and judges every address; the verdict names why a refusal was made. */
  async check(url: string | URL, options: EgressOptions): Promise<EgressVerdict> {
    const target = endpointOf(url);
    if ('refused' in target) return { allowed: false, reason: target.refused };
    try {
      const addresses = await this.resolve(target.host, target.port, options);
      return { allowed: true, host: target.host, port: target.port, addresses };
    } catch (error) {
      if (error instanceof EgressRefusedError) return { allowed: false, reason: error.reason };
      throw error;
    }
  }

  /**
   * The addresses of `host` a connection to `port` may use: every one of them, or an
   * EgressRefusedError when any is refused. DNS failures are thrown as they are.
   */
  async resolve(host: string, port: number, options: EgressOptions): Promise<ResolvedAddress[]> {
    const literal = isIP(host);
    const addresses: ResolvedAddress[] = literal !== 0 ? [{ address: host, family: literal === 6 ? 6 : 4 }] : await this.resolveHost(host);
    if (addresses.length === 0) throw Object.assign(new Error(`${host} has no address`), { code: 'ENOTFOUND' });
    const reason = this.refusal(host, port, addresses, options);
    if (reason) throw new EgressRefusedError(reason);
    return addresses;
  }

  /** Why a connection to `host:port` at `addresses` is refused, or undefined when it may go. */
  refusal(host: string, port: number, addresses: readonly ResolvedAddress[], options: EgressOptions): string | undefined {
    if (options.privateAllowed || this.allowList.allowsHost(host, port)) return undefined;
    for (const { address } of addresses) {
      const kind = forbiddenAddressClass(address);
      if (!kind || this.allowList.allowsAddress(address, port)) continue;
      // A host name's addresses are not named: they may be internal DNS the caller should not learn.
      return `${isIP(host) !== 0 ? `${host} is` : `${host} resolves to`} ${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind} address`;
    }
    return undefined;
  }

  /**
   * What a net/tls/http connection to `host:port` must be given as its `lookup`. Sockets call no
   * lookup for an IP address, so a literal address is judged here (EgressRefusedError, thrown
   * before any connection); a name is resolved by the returned lookup when the socket connects,
   * which answers only checked addresses (`all: true` callers, such as Happy Eyeballs, get them all).
   */
  connectLookup(host: string, port: number, options: EgressOptions): LookupFunction {
    const bare = host.replace(/^\[|\]$/g, '');
    const literal = isIP(bare);
    if (literal !== 0) {
      const reason = this.refusal(bare, port, [{ address: bare, family: literal === 6 ? 6 : 4 }], options);
      if (reason) throw new EgressRefusedError(reason);
    }
    return ((hostname: string, lookupOptions: { all?: boolean } | number | undefined, callback: (...args: unknown[]) => void) => {
      const all = typeof lookupOptions === 'object' && lookupOptions?.all === true;
      this.resolve(hostname.replace(/^\[|\]$/g, ''), port, options).then(
        (addresses) => (all ? callback(null, addresses) : callback(null, addresses[0].address, addresses[0].family)),
        (error: unknown) => callback(error),
      );
    }) as LookupFunction;
  }
}

/** The host and port a URL connects to; only http and https are allowed. */
export function endpointOf(url: string | URL): { host: string; port: number } | { refused: string } {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch {
    return { refused: 'it is not a valid URL' };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return { refused: `only http and https URLs are allowed, not ${parsed.protocol}` };
  const port = parsed.port ? Number(parsed.port) : parsed.protocol === 'https:' ? 443 : 80;
  return { host: parsed.hostname.replace(/^\[|\]$/g, ''), port };
}
