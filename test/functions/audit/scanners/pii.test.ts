import { describe, expect, it } from 'vitest';
import { createPiiScanner, PII_RULES } from '../../../../functions/audit/scanners/pii';

const scanner = createPiiScanner();
function scan(text: string, s = scanner): { rule: string; value: string }[] {
  const out: { rule: string; value: string }[] = [];
  s.scan(text, (h) => {
    expect(h.start).toBeGreaterThanOrEqual(0);
    expect(h.end).toBeGreaterThan(h.start);
    expect(h.end).toBeLessThanOrEqual(text.length);
    out.push({ rule: h.rule, value: text.slice(h.start, h.end) });
  });
  return out;
}
const values = (text: string, rule: string) => scan(text).filter((h) => h.rule === rule).map((h) => h.value);

describe('PII_RULES', () => {
  it('has unique pii.* kebab ids, and warns only on the low-signal rules', () => {
    const ids = PII_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of PII_RULES) {
      expect(r.id).toMatch(/^pii\.[a-z0-9]+(?:-[a-z0-9]+)*$/);
      expect(r.check).toBe('pii');
      const lowSignal = r.id === 'pii.ip-address' || r.id === 'pii.email-example-domain';
      expect(r.action).toBe(lowSignal ? 'warn' : 'quarantine');
      expect(r.severity).toBe(lowSignal ? 'low' : r.id === 'pii.email' || r.id === 'pii.phone-number' ? 'medium' : 'high');
    }
    expect(scanner.check).toBe('pii');
    expect(scanner.rules).toBe(PII_RULES);
  });
});

describe('emails', () => {
  it('finds addresses with the span on the address only', () => {
    const text = 'Mail Jane.Doe+news@mail.co.uk or <bob_99@163.com>, (x.y@sub.domain-name.io). 联系：zhang.wei@qq.com';
    expect(values(text, 'pii.email')).toEqual(['Jane.Doe+news@mail.co.uk', 'bob_99@163.com', 'x.y@sub.domain-name.io', 'zhang.wei@qq.com']);
    expect(scan('mailto:someone@gmail.com.')).toEqual([{ rule: 'pii.email', value: 'someone@gmail.com' }]);
    // Country domains that double as file extensions are still mail domains.
    expect(values('ana@eunet.rs, ion@mail.md, luis@tigo.com.py', 'pii.email')).toEqual(['ana@eunet.rs', 'ion@mail.md', 'luis@tigo.com.py']);
    expect(values('GET /api?email=jane.roe@outlook.com&x=1', 'pii.email')).toEqual(['jane.roe@outlook.com']);
  });

  it('reports reserved example domains as a separate low rule, or not at all when configured', () => {
    const text = 'a@example.com b@mail.example.org c@host.test d@yourdomain.com e@site.example';
    expect(scan(text).map((h) => h.rule)).toEqual(Array(5).fill('pii.email-example-domain'));
    expect(scan(text, createPiiScanner({ reportExampleDomainEmails: false }))).toEqual([]);
  });

  it('ignores decorators, handles, packages, SSH remotes, file names and URL userinfo', () => {
    for (const text of [
      '@Component({ selector: "app" }) and @app.route("/") and @media screen',
      'thanks @jdoe and @openai/agents, npm i @types/node@20.11.5 lodash@4.17.21',
      'git clone git@github.com:org/repo.git && git@gitlab.com',
      'icon@2x.png logo@3x.jpg styles@1.0.css sprite@2x.webp',
      'user@localhost root@127.0.0.1 a@b',
      'ssh://deploy@build.internal.corp:22 and https://token@github.com/org/repo',
      'docker pull ubuntu@sha256:45b23dee08af5e43a7fea6c4cf9c25ccf269ee113168c19722f87876677c5cb2',
      'result = weights @ inputs; x@y.z',
    ]) {
      expect(scan(text), text).toEqual([]);
    }
  });
});

describe('phone numbers', () => {
  it('finds NANP numbers in the common formats', () => {
    const text = 'Call (415) 555-0132, 415-555-0132, 415.555.0132, 415 555 0132, 1-800-555-0199, +1 415 555 0132, +1 (212) 555-0100 or +14155550132.';
    expect(values(text, 'pii.phone-number')).toEqual([
      '(415) 555-0132', '415-555-0132', '415.555.0132', '415 555 0132', '1-800-555-0199', '+1 415 555 0132',
      '+1 (212) 555-0100', '+14155550132',
    ]);
  });

  it('finds international numbers with a plausible country code and length', () => {
    const text = 'London +44 20 7946 0958, +44 (0)20 7946 0958, Berlin +49 30 12345678, Paris +33 1 23 45 67 89, Mumbai +91 98765 43210, Moscow +7 (495) 123-45-67, Tokyo +81-3-1234-5678.';
    expect(values(text, 'pii.phone-number')).toEqual([
      '+44 20 7946 0958', '+44 (0)20 7946 0958', '+49 30 12345678', '+33 1 23 45 67 89', '+91 98765 43210',
      '+7 (495) 123-45-67', '+81-3-1234-5678',
    ]);
  });

  it('accepts national and bare formats only next to a phone word', () => {
    expect(values('phone: 4155550132', 'pii.phone-number')).toEqual(['4155550132']);
    expect(values('Tel. 020 7946 0958', 'pii.phone-number')).toEqual(['020 7946 0958']);
    expect(values('电话：13812345678', 'pii.phone-number')).toEqual(['13812345678']);
    expect(values('call 0044 20 7946 0958 today', 'pii.phone-number')).toEqual(['0044 20 7946 0958']);
    expect(scan('order 4155550132 shipped; ref 020 7946 0958; 13812345678 rows')).toEqual([]);
  });

  it('rejects invalid NANP area codes and exchanges and implausible international numbers', () => {
    for (const text of [
      '(115) 555-0132', '011-555-0132', '415-155-0132', '911-555-0132', '415-911-0132', '295-555-0132',
      '+1 015 555 0132', '+999 123 456 789', '+44 12 34', '+20 30 40 50 60', '+33 0 12 34 56 78',
    ]) {
      expect(values(text, 'pii.phone-number'), text).toEqual([]);
    }
  });

  it('is not fooled by dates, times, prices, versions, ISBNs, IPs, order numbers or long ids', () => {
    for (const text of [
      'On 2024-01-15 at 12:30:45, and 01/15/2024 or 15.01.2024, from 1999 to 2023.',
      'It costs $1,234,567.89 or €4 155 550 132; 12,345,678 units; 3.14159265358979',
      'Version 10.0.19041.1, build 4.15.555.0132, v415.555.0132',
      'ISBN 978-3-16-148410-0 and ISBN 0-306-40615-2',
      'order #4155550132, invoice INV-415-555-0132, id=415-555-0132-7',
      'tracking 1Z999AA10123456784, snowflake 1754321987654321012, ts 1700000000000',
      "Decimal('+35236450.6') and +1234.5678 and +20.5%",
      'the sequence 1 2 3 4 5 6 7 8 9 10',
      'Call of Duty sold 123 456 789 copies',
    ]) {
      expect(values(text, 'pii.phone-number'), text).toEqual([]);
    }
  });
});

describe('payment cards', () => {
  it('finds Luhn-valid numbers with known issuer prefixes, grouped or contiguous', () => {
    const text = 'Visa 4111 1111 1111 1111, MC 5555-5555-5555-4444, Amex 3782 822463 10005, Discover 6011111111111117, Diners 3056 9309 0259 04, JCB 3530111333300000.';
    expect(values(text, 'pii.credit-card')).toEqual([
      '4111 1111 1111 1111', '5555-5555-5555-4444', '3782 822463 10005', '6011111111111117', '3056 9309 0259 04', '3530111333300000',
    ]);
  });

  it('rejects Luhn failures, unknown prefixes, wrong lengths and mixed separators', () => {
    for (const text of [
      '4111 1111 1111 1112', // Luhn fails
      '1234 5678 9012 3456', // no issuer starts with 1
      '9111 1111 1111 1111 5', // unknown prefix
      '4111-1111 1111-1111', // inconsistent separators
      '411111111111111', // 15-digit Visa does not exist
      '0000 0000 0000 0000',
      'id 41111111111111110000',
    ]) {
      expect(values(text, 'pii.credit-card'), text).toEqual([]);
    }
  });

  it('ignores digit runs inside hashes, UUIDs and base64', () => {
    expect(scan('sha 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08')).toEqual([]);
    expect(scan('uuid 4111e456-7111-4111-a111-411111111111')).toEqual([]);
    expect(scan('data:image/png;base64,iVBORw0KGgo4111111111111111AAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==')).toEqual([]);
  });
});

describe('US SSNs', () => {
  it('finds dashed SSNs in valid ranges, and undashed ones only in SSN context', () => {
    expect(values('SSN 123-45-6789 and 536-22-1234', 'pii.us-ssn')).toEqual(['123-45-6789', '536-22-1234']);
    expect(values('my social security number is 536 22 1234', 'pii.us-ssn')).toEqual(['536 22 1234']);
    expect(values('SSN: 536221234', 'pii.us-ssn')).toEqual(['536221234']);
    expect(values('account 536221234 and 536 22 1234', 'pii.us-ssn')).toEqual([]);
  });

  it('rejects area 000, 666 and 900–999, group 00, serial 0000 and the misused specimen numbers', () => {
    for (const ssn of ['000-12-3456', '666-12-3456', '900-12-3456', '987-65-4321', '123-00-4567', '123-45-0000', '078-05-1120', '219-09-9999']) {
      expect(values(`SSN ${ssn}`, 'pii.us-ssn'), ssn).toEqual([]);
    }
  });

  it('does not take longer dashed ids or dates', () => {
    expect(values('part 123-45-67890, ref 1123-45-6789, 2024-12-3456', 'pii.us-ssn')).toEqual([]);
  });
});

describe('IBANs', () => {
  it('finds valid IBANs, spaced or contiguous, with the span on the IBAN', () => {
    const text = 'Pay to GB82 WEST 1234 5698 7654 32 or DE89370400440532013000 (FR14 2004 1010 0505 0001 3M02 606).';
    expect(values(text, 'pii.iban')).toEqual(['GB82 WEST 1234 5698 7654 32', 'DE89370400440532013000', 'FR14 2004 1010 0505 0001 3M02 606']);
  });

  it('rejects bad checksums, wrong lengths, unknown countries and look-alikes', () => {
    for (const text of [
      'GB82 WEST 1234 5698 7654 33', // checksum
      'DE8937040044053201300', // one short
      'XX82 WEST 1234 5698 7654 32', // no such country
      'ISO 9001 certified, MP3 and RS232, AB12 CDE postcode',
      'GB82WEST12345698765432X',
    ]) {
      expect(values(text, 'pii.iban'), text).toEqual([]);
    }
  });
});

describe('IP addresses', () => {
  it('reports public IPv4 and global IPv6 addresses', () => {
    const text = 'from 52.94.12.7 and 151.101.1.69:443, via 2a03:2880:f003:c07:face:b00c::2 and [2600:1f18:abcd::10]:8080.';
    expect(values(text, 'pii.ip-address')).toEqual(['52.94.12.7', '151.101.1.69', '2a03:2880:f003:c07:face:b00c::2', '2600:1f18:abcd::10']);
  });

  it('does not report private, loopback, link-local, documentation, multicast or resolver addresses', () => {
    for (const ip of [
      '10.1.2.3', '172.16.5.4', '192.168.1.1', '127.0.0.1', '169.254.169.254', '100.64.0.1', '192.0.2.10',
      '198.51.100.7', '203.0.113.5', '224.0.0.251', '255.255.255.0', '0.0.0.0', '8.8.8.8', '1.1.1.1',
      '::1', 'fe80::1ff:fe23:4567:890a', 'fd12:3456:789a::1', '2001:db8::8a2e:370:7334', 'ff02::1', '2001:4860:4860::8888',
    ]) {
      expect(values(`addr ${ip} here`, 'pii.ip-address'), ip).toEqual([]);
    }
  });

  it('is not fooled by versions, OIDs, CIDR ranges, times, MAC addresses, hashes or C++ scopes', () => {
    for (const text of [
      'version 52.94.12.7', 'Chrome/120.0.6099.109', 'OID 1.3.6.1.4.1.311', 'section 1.2.3.4',
      'subnet 52.94.0.0/16 and 2600:1f18::/32', 'at 12:30:45 and 23:59:59.999', 'MAC 00:1A:2B:3C:4D:5E',
      'std::vector<int> and Foo::bar::baz', 'deadbeef:cafebabe and a1b2:c3d4', 'ratio 3:2:1 and 16:9',
      '52.94.12.7.1 and 052.94.12.7', "OracleEngineVersion.of('19.0.0.0.ru-2020-04.rur')", 'as well as 20.1.12.42-alpha.1',
      'described in section 12.2.4.69 of the spec', '§ 52.94.12.7', 'fromInsightsVersion("1.0.98.0")',
      'appliances at 1.19.0.0 or above', 'ED25519 = ObjectIdentifier("1.3.101.112")', 'OID 2.5.29.17 and 1.3.101.110', 'for example, "9.6.25.1"', 'network 52.94.12.0 and broadcast 52.94.12.255',
    ]) {
      expect(values(text, 'pii.ip-address'), text).toEqual([]);
    }
  });
});

describe('false-positive traps on ordinary text', () => {
  it('stays silent on prose, code, markdown, non-Latin scripts, emoji, UUIDs, SHAs and chat templates', () => {
    const traps = [
      'The quick brown fox jumps over the lazy dog in 2023 for $19.99 (50% off), order #A-12345.',
      '机器学习是人工智能的一个分支，2024年1月15日发布，价格为¥1,299。',
      'تعلم الآلة هو فرع من فروع الذكاء الاصطناعي، عام ٢٠٢٤.',
      'मशीन लर्निंग कृत्रिम बुद्धिमत्ता की एक शाखा है। वर्ष 2024 में 1,50,000 उपयोगकर्ता।',
      'Машинное обучение — раздел ИИ. В 2024 году 12 345 пользователей.',
      '👩‍👩‍👧‍👦 family, 🏳️‍🌈 flag, 👍🏽 thumbs, 1️⃣2️⃣3️⃣4️⃣5️⃣6️⃣7️⃣8️⃣9️⃣ keycaps',
      'id 550e8400-e29b-41d4-a716-446655440000 commit 3f1c2b9e8d7a6c5b4a39281706f5e4d3c2b1a098',
      '```python\nfor i in range(1000000):\n    total += items[i].price * 1.0825\n```',
      '| id | qty | price |\n|----|-----|-------|\n| 1001 | 12 | 3.50 |\n| 1002 | 7 | 12.00 |',
      'Format each turn as <|im_start|>user\\n{content}<|im_end|>; the model has 128000 tokens of context and 7000000000 parameters.',
      'Coordinates 37.7749, -122.4194; temperature -40.5°C; score 98.6; pi 3.14159265358979323846.',
      'Release 2.14.1 (2024-03-15), build 20240315.1, patch 1.2.3-rc.4+sha.5114f85.',
    ];
    for (const t of traps) expect(scan(t), t.slice(0, 60)).toEqual([]);
  });

  it('handles empty text and text ending mid-pattern', () => {
    expect(scan('')).toEqual([]);
    expect(scan('@')).toEqual([]);
    expect(scan('name@')).toEqual([]);
    expect(scan('+')).toEqual([]);
    expect(scan('(415) 555-')).toEqual([]);
    expect(scan('GB82')).toEqual([]);
    expect(scan('2001:')).toEqual([]);
  });
});
