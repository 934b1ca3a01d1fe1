import { BlockList, isIP, isIPv4 } from 'node:net';

/** Why an address is not for resources to reach unless allowed: what kind of address it is. */
export type ForbiddenAddressClass = 'loopback' | 'private' | 'link-local' | 'shared (CGNAT)' | 'unspecified' | 'multicast' | 'reserved' | 'cloud metadata';

type Range = [address: string, prefix: number];

// Checked in this order, so a metadata address is named as such rather than as link-local.
const RANGES: ReadonlyArray<[ForbiddenAddressClass, Range[], Range[]]> = [
  // AWS/GCP/Azure/OpenStack 169.254.169.254, ECS 169.254.170.2, Azure wireserver, Oracle, Alibaba, AWS IPv6.
  ['cloud metadata', [['169.254.169.254', 32], ['169.254.170.2', 32], ['168.63.129.16', 32], ['192.0.0.192', 32], ['100.100.100.200', 32]], [['fd00:ec2::254', 128]]],
  ['loopback', [['127.0.0.0', 8]], [['::1', 128]]],
  ['unspecified', [['0.0.0.0', 8]], [['::', 128]]],
  ['private', [['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16]], [['fc00::', 7], ['fec0::', 10]]],
  ['link-local', [['169.254.0.0', 16]], [['fe80::', 10]]],
  ['shared (CGNAT)', [['100.64.0.0', 10]], []],
  ['multicast', [['224.0.0.0', 4]], [['ff00::', 8]]],
  // 240/4 holds the broadcast address; 192.0.0.0/24 the IETF protocol assignments.
  ['reserved', [['240.0.0.0', 4], ['192.0.0.0', 24]], []],
];

const LISTS: ReadonlyArray<[ForbiddenAddressClass, BlockList]> = RANGES.map(([name, v4, v6]) => {
  const list = new BlockList();
  for (const [address, prefix] of v4) list.addSubnet(address, prefix, 'ipv4');
  for (const [address, prefix] of v6) list.addSubnet(address, prefix, 'ipv6');
  return [name, list];
});

/**
 * The class of `address` when it is one resources may not reach by default (loopback, private,
 * link-local, CGNAT, unspecified, multicast, reserved, cloud metadata), else undefined.
 * IPv4-mapped (`::ffff:127.0.0.1`) and NAT64 (`64:ff9b::7f00:1`) addresses are judged by the
 * IPv4 address they carry. Anything that is not an IP address is refused as unspecified.
 */
export function forbiddenAddressClass(address: string): ForbiddenAddressClass | undefined {
  const family = isIP(address);
  if (family === 0) return 'unspecified';
  const embedded = family === 6 ? embeddedIPv4(address) : undefined;
  const [checked, type] = embedded ? [embedded, 'ipv4' as const] : [address, family === 4 ? ('ipv4' as const) : ('ipv6' as const)];
  for (const [name, list] of LISTS) if (list.check(checked, type)) return name;
  return undefined;
}

/** The IPv4 address inside an IPv4-mapped (::ffff:0:0/96) or NAT64 (64:ff9b::/96) IPv6 address. */
function embeddedIPv4(address: string): string | undefined {
  const groups = expandIPv6(address);
  if (!groups) return undefined;
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  const nat64 = groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((g) => g === 0);
  if (!mapped && !nat64) return undefined;
  return [groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8, groups[7] & 0xff].join('.');
}

/** The eight 16-bit groups of an IPv6 address (a trailing dotted IPv4 part included). */
function expandIPv6(address: string): number[] | undefined {
  let text = address.replace(/%.*$/, '');
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted && isIPv4(dotted[1])) {
    const [a, b, c, d] = dotted[1].split('.').map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const parse = (part: string | undefined) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const front = parse(head);
  const back = parse(tail);
  const groups = tail === undefined ? front : [...front, ...Array(8 - front.length - back.length).fill(0), ...back];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}
