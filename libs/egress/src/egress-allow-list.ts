import { BlockList, isIP } from 'node:net';

/** A KASTRA_EGRESS_ALLOW entry that cannot be read. */
export class EgressConfigError extends Error {
  override readonly name = 'EgressConfigError';
}

/**
 * What the operator opened for everyone (`KASTRA_EGRESS_ALLOW`): comma-separated CIDRs or single
 * addresses (`10.20.0.0/16`, `127.0.0.1`, `fd00::/8` — every port), and `host:port` entries
 * (`127.0.0.1:11434`, `[::1]:8080`, `models.internal:443` — that port only; a host name is
 * matched as the URL names it, whatever it resolves to).
 */
export class EgressAllowList {
  private readonly networks = new BlockList();
  private readonly addressPorts = new Set<string>();
  private readonly hostPorts = new Set<string>();
  readonly size: number;

  constructor(readonly raw = '') {
    const entries = raw.split(',').map((entry) => entry.trim()).filter(Boolean);
    for (const entry of entries) this.add(entry);
    this.size = entries.length;
  }

  /** Whether `address` (as connected to) on `port` is open for everyone. */
  allowsAddress(address: string, port: number): boolean {
    const family = isIP(address);
    if (family === 0) return false;
    if (this.networks.check(address, family === 4 ? 'ipv4' : 'ipv6')) return true;
    return this.addressPorts.has(`${normalizeAddress(address)}:${port}`);
  }

  /** Whether host name `hostname` (as the URL names it) on `port` is open for everyone. */
  allowsHost(hostname: string, port: number): boolean {
    return this.hostPorts.has(`${hostname.toLowerCase()}:${port}`);
  }

  private add(entry: string): void {
    const cidr = /^([^/]+)\/(\d{1,3})$/.exec(entry);
    if (cidr) {
      const family = isIP(cidr[1]);
      const prefix = Number(cidr[2]);
      if (family === 0 || prefix > (family === 4 ? 32 : 128)) throw invalid(entry);
      this.networks.addSubnet(cidr[1], prefix, family === 4 ? 'ipv4' : 'ipv6');
      return;
    }
    const family = isIP(entry);
    if (family !== 0) {
      this.networks.addAddress(entry, family === 4 ? 'ipv4' : 'ipv6');
      return;
    }
    const hostPort = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(entry);
    const port = Number(hostPort?.[3]);
    if (!hostPort || port < 1 || port > 65535) throw invalid(entry);
    const host = hostPort[1] ?? hostPort[2];
    if (isIP(host) !== 0) this.addressPorts.add(`${normalizeAddress(host)}:${port}`);
    else if (hostPort[1] === undefined && /^[a-zA-Z0-9.-]+$/.test(host)) this.hostPorts.add(`${host.toLowerCase()}:${port}`);
    else throw invalid(entry);
  }
}

function invalid(entry: string): EgressConfigError {
  return new EgressConfigError(`KASTRA_EGRESS_ALLOW: "${entry}" is neither a CIDR, an IP address nor host:port`);
}

/** One spelling per address, so `::1` and `0:0::1` match the same entry. */
function normalizeAddress(address: string): string {
  if (isIP(address) !== 6) return address;
  try {
    return new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    return address.toLowerCase();
  }
}
