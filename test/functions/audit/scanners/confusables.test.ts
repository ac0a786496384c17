import { describe, expect, it } from 'vitest';
import { homographKind, labelScript } from '../../../../functions/audit/scanners/confusables';

describe('homographKind', () => {
  it('flags Latin mixed with Cyrillic, Greek or Armenian letters', () => {
    expect(homographKind('раypal', 'latin')).toBe('mixed-script'); // Cyrillic р, а
    expect(homographKind('micrοsoft', 'latin')).toBe('mixed-script'); // Greek ο
    expect(homographKind('gօogle', 'latin')).toBe('mixed-script'); // Armenian օ
  });

  it('flags a label made only of lookalikes unless its TLD is in the same script', () => {
    expect(homographKind('аррӏе', 'latin')).toBe('whole-script');
    expect(homographKind('аррӏе', 'cyrillic')).toBeUndefined();
  });

  it('flags IPA lookalike letters in an otherwise ASCII label', () => {
    expect(homographKind('ɡoogle', 'latin')).toBe('latin-lookalike');
    expect(homographKind('mıcrosoft', 'latin')).toBe('latin-lookalike');
  });

  it('accepts native names, accented Latin and digits', () => {
    for (const label of ['пример', 'москва', 'münchen', 'żabka', 'hướngdẫn', '例子', 'ελλάδα', 'xn--80ak6aa92e', 'web-2024']) {
      expect(homographKind(label, labelScript(label)), label).toBeUndefined();
    }
    expect(homographKind('сайт', 'latin')).toBeUndefined(); // й and т are not lookalikes
  });
});
