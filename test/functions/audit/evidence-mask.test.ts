import { describe, expect, it } from 'vitest';
import { escapeEvidence, maskPii, maskSecret, maskSpans } from '../../../functions/audit/evidence-mask';

describe('evidence masking', () => {
  it('never shows a secret past its type prefix', () => {
    const key = 'AKIAQ3EGV7XBZ5LM2NPR';
    const masked = maskSecret(key);
    expect(masked.startsWith('AKIA')).toBe(true);
    expect(masked).not.toContain(key.slice(4, 10));
    expect(maskSecret('hunter2')).not.toContain('hunter');
  });

  it('masks PII to a recognisable but useless form', () => {
    expect(maskPii('pii.email', 'maria.gonzalez@fastmail.com')).toBe('m***@f***.com');
    expect(maskPii('pii.credit-card', '4111 1111 1111 1234')).toBe('**** **** **** 1234');
    expect(maskPii('pii.phone', '(415) 555-0132')).toBe('(***) ***-**32');
    expect(maskPii('pii.us-ssn', '123-45-6789')).toBe('***-**-****');
    expect(maskPii('pii.ip-address', '203.0.113.77')).toBe('***.0.113.***');
  });

  it('escapes invisible characters and truncates', () => {
    expect(escapeEvidence('a\u202eb\u200bc\n')).toBe('a\\u{202E}b\\u{200B}c\\n');
    expect(escapeEvidence('x'.repeat(500)).length).toBeLessThan(130);
  });

  it('masks overlapping spans inside a text', () => {
    const star = (v: string) => '*'.repeat(v.length);
    expect(maskSpans('key=abcdef and 12345', [{ start: 4, end: 10, mask: star }, { start: 8, end: 10, mask: star }, { start: 15, end: 20, mask: star }])).toBe('key=****** and *****');
  });
});
