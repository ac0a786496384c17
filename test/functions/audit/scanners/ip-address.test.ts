import { describe, expect, it } from 'vitest';
import { isPublicIPv4, isPublicIPv6, parseIPv4, parseIPv6 } from '../../../../functions/audit/scanners/ip-address';

describe('parseIPv4', () => {
  it('parses dotted quads', () => {
    expect(parseIPv4('52.94.12.7')).toEqual([52, 94, 12, 7]);
    expect(parseIPv4('0.0.0.0')).toEqual([0, 0, 0, 0]);
  });
  it('rejects out-of-range octets, leading zeros, wrong part counts and junk', () => {
    for (const s of ['256.1.1.1', '01.2.3.4', '1.2.3', '1.2.3.4.5', '1..2.3', 'a.b.c.d', '1.2.3.4 ']) expect(parseIPv4(s), s).toBeUndefined();
  });
});

describe('isPublicIPv4', () => {
  it('is true for routable unicast space', () => {
    for (const s of ['52.94.12.7', '151.101.1.69', '8.8.8.8', '172.32.0.1', '100.128.0.1']) expect(isPublicIPv4(parseIPv4(s)!), s).toBe(true);
  });
  it('is false for private, shared, loopback, link-local, documentation, benchmark, multicast and reserved space', () => {
    for (const s of [
      '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.0.1', '100.64.0.1', '127.0.0.1', '169.254.1.1', '192.0.2.1',
      '198.51.100.1', '203.0.113.1', '198.18.0.1', '224.0.0.1', '240.0.0.1', '255.255.255.255', '0.1.2.3',
    ]) {
      expect(isPublicIPv4(parseIPv4(s)!), s).toBe(false);
    }
  });
});

describe('parseIPv6', () => {
  it('parses full, compressed and IPv4-suffixed forms', () => {
    expect(parseIPv6('2001:0db8:0000:0000:0000:ff00:0042:8329')).toEqual([0x2001, 0xdb8, 0, 0, 0, 0xff00, 0x42, 0x8329]);
    expect(parseIPv6('2001:db8::ff00:42:8329')).toEqual([0x2001, 0xdb8, 0, 0, 0, 0xff00, 0x42, 0x8329]);
    expect(parseIPv6('::1')).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseIPv6('::')).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(parseIPv6('::ffff:52.94.12.7')).toEqual([0, 0, 0, 0, 0, 0xffff, 0x345e, 0x0c07]);
  });
  it('rejects times, MAC addresses, two ::, too many groups and non-hex', () => {
    for (const s of ['12:30:45', '00:1A:2B:3C:4D:5E', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7::8', 'std::vector', '12345::1', ':1']) {
      expect(parseIPv6(s), s).toBeUndefined();
    }
  });
});

describe('isPublicIPv6', () => {
  it('is true for global unicast outside documentation and special-purpose blocks', () => {
    for (const s of ['2a03:2880:f003:c07:face:b00c::2', '2600:1f18::10', '2001:4860:4860::8888', '::ffff:52.94.12.7']) {
      expect(isPublicIPv6(parseIPv6(s)!), s).toBe(true);
    }
  });
  it('is false for documentation, loopback, link-local, unique-local, multicast and mapped private addresses', () => {
    for (const s of ['2001:db8::1', '3fff::1', '2001::1', '::1', '::', 'fe80::1', 'fd00::1', 'ff02::1', '::ffff:10.0.0.1']) {
      expect(isPublicIPv6(parseIPv6(s)!), s).toBe(false);
    }
  });
});
