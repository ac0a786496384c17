import { describe, expect, it } from 'vitest';
import { parseUrlIPv4Host } from '../../../../functions/audit/scanners/url-ipv4-host';

describe('parseUrlIPv4Host', () => {
  it('reads the plain dotted quad as canonical', () => {
    expect(parseUrlIPv4Host('192.168.1.1')).toEqual({ octets: [192, 168, 1, 1], canonical: true });
    expect(parseUrlIPv4Host('8.8.8.8.')).toEqual({ octets: [8, 8, 8, 8], canonical: true });
  });

  it('reads decimal, hex, octal and shortened forms the way URL parsers do', () => {
    expect(parseUrlIPv4Host('3232235777')).toEqual({ octets: [192, 168, 1, 1], canonical: false });
    expect(parseUrlIPv4Host('0xc0a80101')).toEqual({ octets: [192, 168, 1, 1], canonical: false });
    expect(parseUrlIPv4Host('0300.0250.0.1')).toEqual({ octets: [192, 168, 0, 1], canonical: false });
    expect(parseUrlIPv4Host('0x7f.1')).toEqual({ octets: [127, 0, 0, 1], canonical: false });
    expect(parseUrlIPv4Host('192.168.257')).toEqual({ octets: [192, 168, 1, 1], canonical: false });
    expect(parseUrlIPv4Host('010.0.0.1')).toEqual({ octets: [8, 0, 0, 1], canonical: false });
  });

  it('returns undefined for names and null for numeric hosts no parser accepts', () => {
    expect(parseUrlIPv4Host('example.com')).toBeUndefined();
    expect(parseUrlIPv4Host('1password.com')).toBeUndefined();
    expect(parseUrlIPv4Host('example.123')).toBeNull();
    expect(parseUrlIPv4Host('1.2.3.4.5')).toBeNull();
    expect(parseUrlIPv4Host('256.1.1.1')).toBeNull();
    expect(parseUrlIPv4Host('4294967296')).toBeNull();
    expect(parseUrlIPv4Host('09.1.1.1')).toBeNull();
  });
});
