import { describe, expect, it } from 'vitest';
import { formatPoints, formatTable } from '../../../infra/cli/text-table';

describe('formatTable', () => {
  it('pads each column to its widest cell, numbers on the right, no trailing spaces', () => {
    const text = formatTable([{ header: 'name' }, { header: 'n', align: 'right' }, { header: 'note' }], [
      ['a', '1', ''],
      ['longer', '100', 'x'],
    ]);
    expect(text).toBe(['name      n  note', 'a         1', 'longer  100  x', ''].join('\n'));
  });

  it('indents every line', () => {
    expect(formatTable([{ header: 'h' }], [['v']], '  ')).toBe('  h\n  v\n');
  });
});

describe('formatPoints', () => {
  it('prints two decimals, and a dash for no value', () => {
    expect(formatPoints(96.666)).toBe('96.67');
    expect(formatPoints(0)).toBe('0.00');
    expect(formatPoints(undefined)).toBe('—');
    expect(formatPoints(Number.NaN)).toBe('—');
    expect(formatPoints('12')).toBe('—');
  });
});
