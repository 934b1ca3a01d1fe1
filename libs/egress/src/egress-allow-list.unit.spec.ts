import { EgressAllowList, EgressConfigError } from './egress-allow-list';

describe('EgressAllowList (KASTRA_EGRESS_ALLOW)', () => {
  it('opens CIDRs and addresses on every port, host:port entries on their port only', () => {
    // Given CIDRs, a single address, address:port, [IPv6]:port and a host name with port
    const allow = new EgressAllowList(' 10.20.0.0/16, 192.168.1.7 ,127.0.0.1:11434,[::1]:8080, models.internal:443');
    // Then each opens what it names and nothing more
    expect(allow.allowsAddress('10.20.3.4', 1)).toBe(true);
    expect(allow.allowsAddress('10.21.0.1', 80)).toBe(false);
    expect(allow.allowsAddress('192.168.1.7', 5432)).toBe(true);
    expect(allow.allowsAddress('127.0.0.1', 11434)).toBe(true);
    expect(allow.allowsAddress('127.0.0.1', 5432)).toBe(false);
    expect(allow.allowsAddress('0:0::1', 8080)).toBe(true);
    expect(allow.allowsAddress('::1', 8081)).toBe(false);
    expect(allow.allowsHost('MODELS.internal', 443)).toBe(true);
    expect(allow.allowsHost('models.internal', 80)).toBe(false);
    expect(allow.size).toBe(5);
  });

  it('is empty when unset', () => {
    // Given no entries / Then nothing is open
    expect(new EgressAllowList('').allowsAddress('127.0.0.1', 80)).toBe(false);
    expect(new EgressAllowList().size).toBe(0);
  });

  it.each(['10.0.0.0/33', 'localhost', 'host:99999', 'http://x:80', '[foo]:80'])('refuses the entry %s', (entry) => {
    // Given an entry that is neither a CIDR, an address nor host:port / Then reading it fails naming it
    expect(() => new EgressAllowList(entry)).toThrow(EgressConfigError);
    expect(() => new EgressAllowList(entry)).toThrow(entry);
  });
});
