import { describe, it, expect } from 'vitest';
import { compileEventPattern, matchesEventPattern, InvalidEventPatternError } from '../../../infra/local/event-pattern';
import { corpusUploadedPattern } from '../../../events/s3-object-created';

// The sample event of the EventBridge / Event Ruler documentation.
const ec2Event = {
  version: '0',
  id: 'ddddd4-aaaa-7777-4444-345dd43cc333',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '012345679012',
  time: '2017-10-02T16:24:49Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'],
  detail: {
    'c-count': 5,
    'd-count': 3,
    'x-limit': 301.8,
    'source-ip': '10.0.0.33',
    'instance-id': 'i-000000aaaaaa00000',
    state: 'running',
  },
};

const matches = (pattern: unknown, event: unknown = ec2Event) => matchesEventPattern(pattern, event);

describe('exact values', () => {
  it('matches when every field matches one of its listed values', () => {
    expect(
      matches({
        'detail-type': ['EC2 Instance State-change Notification'],
        resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'],
        detail: { state: ['initializing', 'running'] },
      }),
    ).toBe(true);
  });

  it('fails when one field matches none of its values', () => {
    expect(matches({ source: ['aws.ec2'], detail: { state: ['stopped', 'pending'] } })).toBe(false);
  });

  it('fails when the field is missing from the event', () => {
    expect(matches({ detail: { missing: ['x'] } })).toBe(false);
  });

  it('is case-sensitive and type-sensitive', () => {
    expect(matches({ source: ['AWS.EC2'] })).toBe(false);
    expect(matches({ detail: { 'c-count': ['5'] } })).toBe(false);
    expect(matches({ detail: { 'c-count': [5] } })).toBe(true);
    expect(matches({ detail: { 'x-limit': [3.018e2] } })).toBe(true);
  });

  it('matches null and booleans literally', () => {
    expect(matches({ detail: { a: [null] } }, { detail: { a: null } })).toBe(true);
    expect(matches({ detail: { a: [null] } }, { detail: {} })).toBe(false);
    expect(matches({ detail: { ok: [true] } }, { detail: { ok: true } })).toBe(true);
    expect(matches({ detail: { ok: [true] } }, { detail: { ok: 'true' } })).toBe(false);
  });

  it('matches an array in the event when any element matches', () => {
    const event = { detail: { tags: ['a', 'b', 'c'] } };
    expect(matches({ detail: { tags: ['c', 'z'] } }, event)).toBe(true);
    expect(matches({ detail: { tags: ['z'] } }, event)).toBe(false);
    expect(matches({ detail: { tags: ['a'] } }, { detail: { tags: [['x'], ['a']] } })).toBe(true);
  });

  it('does not treat a nested object in the event as a leaf value', () => {
    expect(matches({ detail: { obj: ['x'] } }, { detail: { obj: { inner: 'x' } } })).toBe(false);
  });
});

describe('nested objects and arrays of objects', () => {
  const employees = {
    employees: [
      { firstName: 'John', lastName: 'Doe' },
      { firstName: 'Anna', lastName: 'Smith' },
      { firstName: 'Peter', lastName: 'Jones' },
    ],
  };

  it('looks into every object of an event array', () => {
    expect(matches({ employees: { firstName: ['Anna'] } }, employees)).toBe(true);
  });

  it('requires fields to match within one array element', () => {
    expect(matches({ employees: { firstName: ['Anna'], lastName: ['Smith'] } }, employees)).toBe(true);
    expect(matches({ employees: { firstName: ['Anna'], lastName: ['Jones'] } }, employees)).toBe(false);
  });

  it('matches deeply nested fields', () => {
    const event = { detail: { bucket: { name: 'b1' }, object: { key: 'corpora/x.jsonl' } } };
    expect(matches({ detail: { bucket: { name: ['b1'] }, object: { key: [{ prefix: 'corpora/' }] } } }, event)).toBe(
      true,
    );
    expect(matches({ detail: { bucket: { name: ['b2'] } } }, event)).toBe(false);
  });
});

describe('prefix, suffix, equals-ignore-case, wildcard', () => {
  it('prefix', () => {
    expect(matches({ time: [{ prefix: '2017-10-02' }] })).toBe(true);
    expect(matches({ time: [{ prefix: '2018' }] })).toBe(false);
    expect(matches({ detail: { 'c-count': [{ prefix: '5' }] } })).toBe(false); // strings only
  });

  it('prefix and suffix with equals-ignore-case', () => {
    expect(matches({ source: [{ prefix: { 'equals-ignore-case': 'AWS.' } }] })).toBe(true);
    expect(matches({ source: [{ suffix: { 'equals-ignore-case': 'EC2' } }] })).toBe(true);
    expect(matches({ source: [{ suffix: 'EC2' }] })).toBe(false);
  });

  it('suffix', () => {
    expect(matches({ source: [{ suffix: 'ec2' }] })).toBe(true);
    expect(matches({ source: [{ suffix: 's3' }] })).toBe(false);
  });

  it('equals-ignore-case', () => {
    expect(matches({ source: [{ 'equals-ignore-case': 'AWS.EC2' }] })).toBe(true);
    expect(matches({ source: [{ 'equals-ignore-case': 'aws.ec' }] })).toBe(false);
  });

  it('wildcard, with escapes', () => {
    expect(matches({ source: [{ wildcard: 'aws.*' }] })).toBe(true);
    expect(matches({ source: [{ wildcard: '*.e*2' }] })).toBe(true);
    expect(matches({ source: [{ wildcard: 'aws.s*' }] })).toBe(false);
    expect(matches({ k: [{ wildcard: 'a\\*b' }] }, { k: 'a*b' })).toBe(true);
    expect(matches({ k: [{ wildcard: 'a\\*b' }] }, { k: 'axb' })).toBe(false);
    expect(matches({ k: [{ wildcard: 'a\\\\b' }] }, { k: 'a\\b' })).toBe(true);
    expect(matches({ k: [{ wildcard: 'a.c' }] }, { k: 'abc' })).toBe(false);
  });

  it('rejects invalid wildcards', () => {
    expect(() => compileEventPattern({ k: [{ wildcard: 'a**b' }] })).toThrow(InvalidEventPatternError);
    expect(() => compileEventPattern({ k: [{ wildcard: 'a\\b' }] })).toThrow(InvalidEventPatternError);
  });
});

describe('anything-but', () => {
  it('single value and list, strings and numbers', () => {
    expect(matches({ detail: { state: [{ 'anything-but': 'initializing' }] } })).toBe(true);
    expect(matches({ detail: { state: [{ 'anything-but': 'running' }] } })).toBe(false);
    expect(matches({ detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } })).toBe(true);
    expect(matches({ detail: { state: [{ 'anything-but': ['stopped', 'running'] }] } })).toBe(false);
    expect(matches({ detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } })).toBe(true);
    expect(matches({ detail: { 'x-limit': [{ 'anything-but': 301.8 }] } })).toBe(false);
  });

  it('prefix, suffix, equals-ignore-case and wildcard', () => {
    expect(matches({ detail: { state: [{ 'anything-but': { prefix: 'init' } }] } })).toBe(true);
    expect(matches({ detail: { state: [{ 'anything-but': { prefix: 'run' } }] } })).toBe(false);
    expect(matches({ detail: { state: [{ 'anything-but': { suffix: 'ing' } }] } })).toBe(false);
    expect(matches({ detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['RUNNING'] } }] } })).toBe(false);
    expect(matches({ detail: { state: [{ 'anything-but': { wildcard: 'r*g' } }] } })).toBe(false);
    expect(matches({ detail: { state: [{ 'anything-but': { wildcard: 's*' } }] } })).toBe(true);
  });

  it('needs the field to be present', () => {
    expect(matches({ detail: { missing: [{ 'anything-but': 'x' }] } })).toBe(false);
  });

  it('matches an event array when some element is not excluded', () => {
    expect(matches({ tags: [{ 'anything-but': 'a' }] }, { tags: ['a', 'b'] })).toBe(true);
    expect(matches({ tags: [{ 'anything-but': 'a' }] }, { tags: ['a'] })).toBe(false);
  });

  it('rejects mixed lists', () => {
    expect(() => compileEventPattern({ k: [{ 'anything-but': ['a', 1] }] })).toThrow(InvalidEventPatternError);
  });
});

describe('numeric', () => {
  it('ranges and equality', () => {
    expect(
      matches({
        detail: {
          'c-count': [{ numeric: ['>', 0, '<=', 5] }],
          'd-count': [{ numeric: ['<', 10] }],
          'x-limit': [{ numeric: ['=', 3.018e2] }],
        },
      }),
    ).toBe(true);
    expect(matches({ detail: { 'c-count': [{ numeric: ['>', 5] }] } })).toBe(false);
    expect(matches({ detail: { 'c-count': [{ numeric: ['>=', 5] }] } })).toBe(true);
    expect(matches({ detail: { 'c-count': [{ numeric: ['>', 0, '<', 5] }] } })).toBe(false);
  });

  it('only matches JSON numbers', () => {
    expect(matches({ n: [{ numeric: ['>', 0] }] }, { n: '7' })).toBe(false);
  });

  it('rejects malformed ranges', () => {
    expect(() => compileEventPattern({ n: [{ numeric: ['<', 5, '>', 1] }] })).toThrow(InvalidEventPatternError);
    expect(() => compileEventPattern({ n: [{ numeric: ['>', '1'] }] })).toThrow(InvalidEventPatternError);
    expect(() => compileEventPattern({ n: [{ numeric: ['~', 1] }] })).toThrow(InvalidEventPatternError);
  });
});

describe('exists', () => {
  it('true matches a present leaf, false an absent one', () => {
    expect(matches({ detail: { 'c-count': [{ exists: true }] } })).toBe(true);
    expect(matches({ detail: { 'c-count': [{ exists: false }] } })).toBe(false);
    expect(matches({ detail: { nope: [{ exists: false }] } })).toBe(true);
    expect(matches({ detail: { nope: [{ exists: true }] } })).toBe(false);
  });

  it('works only on leaves: an object-valued field counts as absent', () => {
    const event = { detail: { 'c-count': { c1: 100 } } };
    expect(matches({ detail: { 'c-count': [{ exists: false }] } }, event)).toBe(true);
    expect(matches({ detail: { 'c-count': [{ exists: true }] } }, event)).toBe(false);
  });

  it('exists false matches when the whole parent is missing', () => {
    expect(matches({ detail: { a: { b: [{ exists: false }] } } }, { detail: {} })).toBe(true);
  });
});

describe('cidr', () => {
  it('IPv4 and IPv6', () => {
    expect(matches({ detail: { 'source-ip': [{ cidr: '10.0.0.0/24' }] } })).toBe(true);
    expect(matches({ detail: { 'source-ip': [{ cidr: '10.0.1.0/24' }] } })).toBe(false);
    expect(matches({ ip: [{ cidr: '2001:db8::/32' }] }, { ip: '2001:db8::1' })).toBe(true);
    expect(matches({ ip: [{ cidr: '2001:db8::/32' }] }, { ip: '2001:db9::1' })).toBe(false);
  });
});

describe('$or', () => {
  it('matches when any alternative matches, ANDed with the other fields', () => {
    const pattern = {
      source: ['aws.ec2'],
      $or: [{ detail: { state: ['stopped'] } }, { detail: { 'c-count': [{ numeric: ['>', 4] }] } }],
    };
    expect(matches(pattern)).toBe(true);
    expect(matches({ ...pattern, source: ['aws.s3'] })).toBe(false);
    expect(
      matches({ $or: [{ detail: { state: ['stopped'] } }, { detail: { 'c-count': [{ numeric: ['>', 6] }] } }] }),
    ).toBe(false);
  });

  it('nests inside objects and inside alternatives', () => {
    const pattern = {
      detail: {
        $or: [
          { state: ['stopped'] },
          { 'c-count': [5], $or: [{ 'd-count': [99] }, { 'x-limit': [301.8] }] },
        ],
      },
    };
    expect(matches(pattern)).toBe(true);
    expect(matches({ detail: { $or: [{ state: ['stopped'] }, { 'c-count': [5], 'd-count': [99] }] } })).toBe(false);
  });
});

describe('validation', () => {
  it('rejects patterns EventBridge rejects', () => {
    expect(() => compileEventPattern({})).toThrow(InvalidEventPatternError);
    expect(() => compileEventPattern({ source: 'aws.s3' })).toThrow(/must be inside an array/);
    expect(() => compileEventPattern({ source: [] })).toThrow(InvalidEventPatternError);
    expect(() => compileEventPattern({ source: [{ prefix: 'a', suffix: 'b' }] })).toThrow(InvalidEventPatternError);
    expect(() => compileEventPattern({ source: [{ regex: 'a' }] })).toThrow(/unrecognized match type regex/);
    expect(() => compileEventPattern([{ source: ['a'] }])).toThrow(InvalidEventPatternError);
  });
});

describe('finegate patterns', () => {
  const s3Event = (bucket: string, key: string) => ({
    source: 'aws.s3',
    'detail-type': 'Object Created',
    detail: { bucket: { name: bucket }, object: { key, size: 10 } },
  });

  it('the corpus upload rule matches only its bucket and prefix', () => {
    const match = compileEventPattern(corpusUploadedPattern('corpora-bucket', 'corpora/'));
    expect(match(s3Event('corpora-bucket', 'corpora/train.jsonl'))).toBe(true);
    expect(match(s3Event('corpora-bucket', 'other/train.jsonl'))).toBe(false);
    expect(match(s3Event('artifacts-bucket', 'corpora/train.jsonl'))).toBe(false);
    expect(match({ ...s3Event('corpora-bucket', 'corpora/x'), 'detail-type': 'Object Deleted' })).toBe(false);
  });

  it('an empty corpus prefix matches any key', () => {
    const match = compileEventPattern(corpusUploadedPattern('corpora-bucket', ''));
    expect(match(s3Event('corpora-bucket', 'anything.jsonl'))).toBe(true);
  });
});
