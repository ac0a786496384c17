import { describe, expect, it } from 'vitest';
import { findTables, tableCells } from '../../../../functions/gates/rubrics/markdown-table';
import { refusal, score, scoreOf } from './rubric-test-kit';

const table = ['Here you go:', '', '| Name | **Color** | Season |', '|:-----|:-----:|---:|', '| Apple | red | autumn |', '| Banana | yellow | all year |', '', 'Anything else?'].join('\n');

describe('tableCells and findTables', () => {
  it('splits cells with or without outer pipes, keeping escaped pipes', () => {
    expect(tableCells('| a | b |')).toEqual(['a', 'b']);
    expect(tableCells('a | b')).toEqual(['a', 'b']);
    expect(tableCells('| a \\| b | c |')).toEqual(['a | b', 'c']);
  });

  it('finds a table with its header and rows', () => {
    expect(findTables(table)).toEqual([{ header: ['Name', '**Color**', 'Season'], rows: [['Apple', 'red', 'autumn'], ['Banana', 'yellow', 'all year']] }]);
  });

  it('marks a table whose rows do not match the header as malformed', () => {
    const [t] = findTables('| a | b |\n|---|---|\n| 1 | 2 | 3 |');
    expect(t!.malformed).toBe('body row 1 has 3 cells, the header 2');
    expect(findTables('| a | b |\n|---|\n| 1 | 2 |')[0]!.malformed).toBe('the delimiter row has 1 cells, the header 2');
  });

  it('does not take a line of dashes under prose for a table', () => {
    expect(findTables('just text\n---\nmore')).toEqual([]);
  });
});

describe('markdown-table', () => {
  it('needs the required columns and rows, matched loosely', () => {
    expect(scoreOf({ rubric: 'markdown-table', columns: ['name', 'color'], rows: ['apple', 'BANANA'] }, table)).toBe(1);
    expect(score({ rubric: 'markdown-table', columns: ['Name', 'Price'] }, table)).toEqual({ score: 0, detail: 'missing column(s): Price' });
    expect(score({ rubric: 'markdown-table', rows: ['Cherry'] }, table)).toEqual({ score: 0, detail: 'missing row(s): Cherry' });
  });

  it('bounds the number of body rows', () => {
    expect(scoreOf({ rubric: 'markdown-table', minRows: 2, maxRows: 2 }, table)).toBe(1);
    expect(score({ rubric: 'markdown-table', minRows: 3 }, table)).toEqual({ score: 0, detail: '2 body rows, fewer than 3' });
  });

  it('scores 0 without a table or with a malformed one', () => {
    expect(score({ rubric: 'markdown-table' }, 'Apple: red')).toEqual({ score: 0, detail: 'no Markdown table' });
    expect(scoreOf({ rubric: 'markdown-table' }, '| a | b |\n|---|---|\n| 1 |')).toBe(0);
  });

  it('accepts the answer when any one of its tables satisfies the check', () => {
    const two = `| x |\n|---|\n| 1 |\n\n${table}`;
    expect(scoreOf({ rubric: 'markdown-table', columns: ['Season'] }, two)).toBe(1);
  });

  it('refuses inverted row bounds', () => {
    expect(refusal({ rubric: 'markdown-table', minRows: 3, maxRows: 2 })).toMatch(/minRows exceeds maxRows/);
  });
});
