import { BlockList, isIP } from 'node:net';

/*
 * EventBridge content filtering, as documented for event patterns (and implemented by AWS's Event Ruler):
 * exact values (arrays are OR), nested objects, prefix, suffix, equals-ignore-case, wildcard, anything-but,
 * numeric ranges, exists, cidr and `$or`. Arrays in the event match when any element matches, and fields
 * inside objects of one array element must match together (Ruler's "array consistency").
 */

export type EventPattern = Record<string, unknown>;

export class InvalidEventPatternError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`Event pattern is not valid at ${path}: ${reason}`);
    this.name = 'InvalidEventPatternError';
  }
}

/** A compiled pattern: validated once, then applied to many events. */
export type EventMatcher = (event: unknown) => boolean;

type NodeMatcher = (node: unknown) => boolean;
type LeafPredicate = (leaf: Leaf) => boolean;
type Leaf = string | number | boolean | null;
type LeafMatcher = { exists: boolean } | { test: LeafPredicate };

export function compileEventPattern(pattern: unknown): EventMatcher {
  if (!isPlainObject(pattern)) throw new InvalidEventPatternError('$', 'a pattern must be a JSON object');
  return compileObject(pattern, '$');
}

export function matchesEventPattern(pattern: unknown, event: unknown): boolean {
  return compileEventPattern(pattern)(event);
}

function compileObject(pattern: Record<string, unknown>, path: string): NodeMatcher {
  const keys = Object.keys(pattern);
  if (keys.length === 0) throw new InvalidEventPatternError(path, 'empty object');
  const checks: NodeMatcher[] = keys.map((key) => {
    const value = pattern[key];
    const at = `${path}.${key}`;
    if (key === '$or' && isOrAlternatives(value)) {
      const alternatives = value.map((alt, i) => compileObject(alt, `${at}[${i}]`));
      return (node) => alternatives.some((alt) => alt(node));
    }
    if (Array.isArray(value)) {
      const leaf = compileLeafList(value, at);
      return (node) => leaf(childOf(node, key));
    }
    if (isPlainObject(value)) {
      const nested = compileObject(value, at);
      return (node) => matchNested(nested, childOf(node, key));
    }
    throw new InvalidEventPatternError(at, 'match values must be inside an array or an object');
  });
  return (node) => checks.every((check) => check(node));
}

/** `$or` is the OR primitive only with two or more objects; otherwise it is an ordinary field name. */
function isOrAlternatives(value: unknown): value is Record<string, unknown>[] {
  return Array.isArray(value) && value.length >= 2 && value.every(isPlainObject) && value.every(hasNoMatcherKeys);
}

function hasNoMatcherKeys(value: Record<string, unknown>): boolean {
  return Object.keys(value).every((key) => !MATCHER_KEYS.has(key));
}

function matchNested(nested: NodeMatcher, child: unknown): boolean {
  if (Array.isArray(child)) {
    const objects = flatten(child).filter(isPlainObject);
    return objects.length === 0 ? nested(undefined) : objects.some((object) => nested(object));
  }
  return nested(isPlainObject(child) ? child : undefined);
}

function compileLeafList(values: unknown[], path: string): NodeMatcher {
  if (values.length === 0) throw new InvalidEventPatternError(path, 'empty array');
  const matchers = values.map((value, i) => compileLeafMatcher(value, `${path}[${i}]`));
  return (child) => {
    const leaves = leavesOf(child);
    if (leaves.length === 0) return matchers.some((m) => 'exists' in m && !m.exists);
    return matchers.some((m) => ('exists' in m ? m.exists : leaves.some(m.test)));
  };
}

/** Values reached at a path: scalars, with event arrays flattened. Objects are not leaves. */
function leavesOf(child: unknown): Leaf[] {
  if (child === undefined) return [];
  if (Array.isArray(child)) return flatten(child).filter(isLeaf);
  return isLeaf(child) ? [child] : [];
}

const MATCHER_KEYS = new Set([
  'prefix',
  'suffix',
  'equals-ignore-case',
  'wildcard',
  'anything-but',
  'numeric',
  'exists',
  'cidr',
]);

function compileLeafMatcher(value: unknown, path: string): LeafMatcher {
  if (isLeaf(value)) return { test: (leaf) => sameLeaf(leaf, value) };
  if (!isPlainObject(value)) throw new InvalidEventPatternError(path, 'unsupported match value');
  const keys = Object.keys(value);
  if (keys.length !== 1) throw new InvalidEventPatternError(path, 'a matcher object must have exactly one key');
  const key = keys[0]!;
  const operand = value[key];
  const at = `${path}.${key}`;
  switch (key) {
    case 'exists':
      if (typeof operand !== 'boolean') throw new InvalidEventPatternError(at, 'exists takes true or false');
      return { exists: operand };
    case 'prefix':
      return { test: stringTest(affixTest(operand, at, (s, p) => s.startsWith(p))) };
    case 'suffix':
      return { test: stringTest(affixTest(operand, at, (s, p) => s.endsWith(p))) };
    case 'equals-ignore-case': {
      const expected = requireString(operand, at).toLowerCase();
      return { test: stringTest((s) => s.toLowerCase() === expected) };
    }
    case 'wildcard': {
      const regex = wildcardRegExp(requireString(operand, at), at);
      return { test: stringTest((s) => regex.test(s)) };
    }
    case 'numeric':
      return { test: numericTest(operand, at) };
    case 'cidr':
      return { test: stringTest(cidrTest(operand, at)) };
    case 'anything-but':
      return { test: anythingButTest(operand, at) };
    default:
      throw new InvalidEventPatternError(at, `unrecognized match type ${key}`);
  }
}

function affixTest(operand: unknown, path: string, test: (s: string, affix: string) => boolean): (s: string) => boolean {
  if (typeof operand === 'string') return (s) => test(s, operand);
  if (isPlainObject(operand) && Object.keys(operand).length === 1 && 'equals-ignore-case' in operand) {
    const affix = requireString(operand['equals-ignore-case'], `${path}.equals-ignore-case`).toLowerCase();
    return (s) => test(s.toLowerCase(), affix);
  }
  throw new InvalidEventPatternError(path, 'takes a string or { "equals-ignore-case": string }');
}

function anythingButTest(operand: unknown, path: string): LeafPredicate {
  if (isLeaf(operand) && operand !== null && typeof operand !== 'boolean') {
    return (leaf) => !sameLeaf(leaf, operand);
  }
  if (Array.isArray(operand)) {
    if (operand.length === 0) throw new InvalidEventPatternError(path, 'empty array');
    const allStrings = operand.every((v) => typeof v === 'string');
    const allNumbers = operand.every((v) => typeof v === 'number');
    if (!allStrings && !allNumbers) {
      throw new InvalidEventPatternError(path, 'anything-but lists must be all strings or all numbers');
    }
    return (leaf) => !operand.some((v: Leaf) => sameLeaf(leaf, v));
  }
  if (isPlainObject(operand) && Object.keys(operand).length === 1) {
    const [key] = Object.keys(operand) as [string];
    const inner = operand[key];
    const at = `${path}.${key}`;
    switch (key) {
      case 'prefix':
        return stringTest(notTest(affixTest(inner, at, (s, p) => s.startsWith(p))));
      case 'suffix':
        return stringTest(notTest(affixTest(inner, at, (s, p) => s.endsWith(p))));
      case 'equals-ignore-case': {
        const values = stringOrStrings(inner, at).map((v) => v.toLowerCase());
        return stringTest((s) => !values.includes(s.toLowerCase()));
      }
      case 'wildcard': {
        const regexes = stringOrStrings(inner, at).map((v) => wildcardRegExp(v, at));
        return stringTest((s) => !regexes.some((r) => r.test(s)));
      }
    }
  }
  throw new InvalidEventPatternError(path, 'unsupported anything-but operand');
}

const LOWER_OPS = new Set(['>', '>=']);
const UPPER_OPS = new Set(['<', '<=']);

function numericTest(operand: unknown, path: string): LeafPredicate {
  if (!Array.isArray(operand) || operand.length === 0) {
    throw new InvalidEventPatternError(path, 'numeric takes an array of operators and numbers');
  }
  const conditions: Array<(n: number) => boolean> = [];
  const seen: string[] = [];
  for (let i = 0; i < operand.length; i += 2) {
    const op = operand[i];
    const bound = operand[i + 1];
    if (typeof op !== 'string' || typeof bound !== 'number' || !Number.isFinite(bound)) {
      throw new InvalidEventPatternError(path, 'numeric expects operator/number pairs');
    }
    seen.push(op);
    conditions.push(comparison(op, bound, path));
  }
  const [first, second, ...rest] = seen;
  const valid =
    rest.length === 0 &&
    (second === undefined ? first !== undefined : LOWER_OPS.has(first ?? '') && UPPER_OPS.has(second));
  if (!valid) throw new InvalidEventPatternError(path, 'numeric takes one comparison, or a lower then an upper bound');
  return (leaf) => typeof leaf === 'number' && conditions.every((c) => c(leaf));
}

function comparison(op: string, bound: number, path: string): (n: number) => boolean {
  switch (op) {
    case '=':
      return (n) => n === bound;
    case '<':
      return (n) => n < bound;
    case '<=':
      return (n) => n <= bound;
    case '>':
      return (n) => n > bound;
    case '>=':
      return (n) => n >= bound;
    default:
      throw new InvalidEventPatternError(path, `unrecognized numeric operator ${op}`);
  }
}

function cidrTest(operand: unknown, path: string): (s: string) => boolean {
  const [address, bits, ...extra] = requireString(operand, path).split('/');
  const family = isIP(address ?? '');
  const prefix = Number(bits);
  const max = family === 6 ? 128 : 32;
  if (family === 0 || extra.length > 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > max) {
    throw new InvalidEventPatternError(path, 'cidr takes an IPv4 or IPv6 network like 10.0.0.0/24');
  }
  const list = new BlockList();
  const type = family === 6 ? 'ipv6' : 'ipv4';
  list.addSubnet(address!, prefix, type);
  return (s) => isIP(s) === family && list.check(s, type);
}

/**
 * `*` matches any run of characters; `\*` is a literal star and `\\` a literal backslash.
 * Consecutive stars and other escapes are rejected, as EventBridge does.
 */
function wildcardRegExp(value: string, path: string): RegExp {
  let source = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (ch === '\\') {
      const next = value[i + 1];
      if (next !== '*' && next !== '\\') throw new InvalidEventPatternError(path, 'invalid escape in wildcard');
      source += escapeRegExp(next);
      i++;
    } else if (ch === '*') {
      if (value[i + 1] === '*') throw new InvalidEventPatternError(path, 'consecutive wildcard characters');
      source += '.*';
    } else {
      source += escapeRegExp(ch);
    }
  }
  return new RegExp(`^${source}$`, 's');
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function stringTest(test: (s: string) => boolean): LeafPredicate {
  return (leaf) => typeof leaf === 'string' && test(leaf);
}

function notTest(test: (s: string) => boolean): (s: string) => boolean {
  return (s) => !test(s);
}

function requireString(value: unknown, path: string): string {
  if (typeof value !== 'string') throw new InvalidEventPatternError(path, 'expected a string');
  return value;
}

function stringOrStrings(value: unknown, path: string): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string')) return value;
  throw new InvalidEventPatternError(path, 'expected a string or an array of strings');
}

function sameLeaf(a: Leaf, b: Leaf): boolean {
  return a === b;
}

function childOf(node: unknown, key: string): unknown {
  return isPlainObject(node) && Object.hasOwn(node, key) ? node[key] : undefined;
}

function flatten(values: unknown[]): unknown[] {
  return values.flat(Infinity);
}

function isLeaf(value: unknown): value is Leaf {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
