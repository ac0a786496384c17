/*
 * Evaluates CloudFormation intrinsic functions in a template value, given how to answer Ref and Fn::GetAtt.
 * Supports what synthesized CDK templates use: Ref (resources, parameters, pseudo parameters), Fn::GetAtt,
 * Fn::Join, Fn::Sub, Fn::Select, Fn::Split, Fn::If with Conditions, Fn::FindInMap, Fn::Base64, Fn::GetAZs.
 */

export interface IntrinsicResolver {
  /** Ref to a logical id (resource or parameter) or a pseudo parameter such as AWS::Region. */
  ref(name: string): unknown;
  getAtt(logicalId: string, attribute: string): unknown;
  condition(name: string): boolean;
  findInMap(map: string, topKey: string, secondKey: string): unknown;
  region: string;
}

export class UnresolvableIntrinsicError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`cannot resolve ${path}: ${reason}`);
    this.name = 'UnresolvableIntrinsicError';
  }
}

/** Marks a value removed by AWS::NoValue; dropped from the enclosing object or array. */
const NO_VALUE = Symbol('AWS::NoValue');

export function resolveIntrinsics(value: unknown, resolver: IntrinsicResolver, path = '$'): unknown {
  const resolved = resolve(value, resolver, path);
  return resolved === NO_VALUE ? undefined : resolved;
}

function resolve(value: unknown, r: IntrinsicResolver, path: string): unknown {
  if (Array.isArray(value)) {
    return value.map((item, i) => resolve(item, r, `${path}[${i}]`)).filter((item) => item !== NO_VALUE);
  }
  if (typeof value !== 'object' || value === null) return value;
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  if (keys.length === 1) {
    const fn = keys[0]!;
    const arg = object[fn];
    const at = `${path}.${fn}`;
    switch (fn) {
      case 'Ref':
        if (arg === 'AWS::NoValue') return NO_VALUE;
        return at_(at, () => r.ref(requireString(resolve(arg, r, at), at)));
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = getAttArgs(resolve(arg, r, at), at);
        return at_(at, () => r.getAtt(logicalId, attribute));
      }
      case 'Fn::Join': {
        const [delimiter, parts] = requireTuple(arg, 2, at);
        const list = resolve(parts, r, at);
        if (!Array.isArray(list)) throw new UnresolvableIntrinsicError(at, 'Fn::Join needs a list');
        return list.map((part) => scalarString(part, at)).join(requireString(delimiter, at));
      }
      case 'Fn::Sub':
        return substitute(arg, r, at);
      case 'Fn::Select': {
        const [index, list] = requireTuple(arg, 2, at);
        const items = resolve(list, r, at);
        const i = Number(resolve(index, r, at));
        if (!Array.isArray(items) || !Number.isInteger(i) || i < 0 || i >= items.length) {
          throw new UnresolvableIntrinsicError(at, 'Fn::Select index out of range');
        }
        return items[i];
      }
      case 'Fn::Split': {
        const [delimiter, source] = requireTuple(arg, 2, at);
        return requireString(resolve(source, r, at), at).split(requireString(delimiter, at));
      }
      case 'Fn::If': {
        const [condition, whenTrue, whenFalse] = requireTuple(arg, 3, at);
        return resolve(r.condition(requireString(condition, at)) ? whenTrue : whenFalse, r, at);
      }
      case 'Fn::FindInMap': {
        const [map, top, second] = requireTuple(resolve(arg, r, at), 3, at);
        return r.findInMap(requireString(map, at), requireString(top, at), requireString(second, at));
      }
      case 'Fn::Base64':
        return Buffer.from(requireString(resolve(arg, r, at), at)).toString('base64');
      case 'Fn::GetAZs':
        return ['a', 'b', 'c'].map((zone) => `${r.region}${zone}`);
      case 'Fn::ImportValue':
      case 'Fn::Transform':
      case 'Fn::Cidr':
        throw new UnresolvableIntrinsicError(at, `${fn} is not supported by the local runtime`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const resolved = resolve(object[key], r, `${path}.${key}`);
    if (resolved !== NO_VALUE) out[key] = resolved;
  }
  return out;
}

/** Reports a resolver failure at the template path that asked for it. */
function at_<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof UnresolvableIntrinsicError && !error.path.startsWith(path)) {
      throw new UnresolvableIntrinsicError(path, `${error.path}: ${error.reason}`);
    }
    throw error;
  }
}

/** Evaluates a Conditions entry (Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition). */
export function evaluateCondition(expression: unknown, r: IntrinsicResolver, path: string): boolean {
  if (typeof expression !== 'object' || expression === null || Array.isArray(expression)) {
    throw new UnresolvableIntrinsicError(path, 'a condition must be an object');
  }
  const [fn, arg] = Object.entries(expression)[0] ?? [];
  const at = `${path}.${fn}`;
  switch (fn) {
    case 'Fn::Equals': {
      const [a, b] = requireTuple(arg, 2, at);
      return JSON.stringify(resolve(a, r, at)) === JSON.stringify(resolve(b, r, at));
    }
    case 'Fn::Not':
      return !evaluateCondition(requireTuple(arg, 1, at)[0], r, at);
    case 'Fn::And':
      return (arg as unknown[]).every((c, i) => evaluateCondition(c, r, `${at}[${i}]`));
    case 'Fn::Or':
      return (arg as unknown[]).some((c, i) => evaluateCondition(c, r, `${at}[${i}]`));
    case 'Condition':
      return r.condition(requireString(arg, at));
    default:
      throw new UnresolvableIntrinsicError(path, `unsupported condition function ${String(fn)}`);
  }
}

function substitute(arg: unknown, r: IntrinsicResolver, path: string): string {
  const [template, variables] = Array.isArray(arg) ? requireTuple(arg, 2, path) : [arg, {}];
  const vars = resolve(variables, r, path) as Record<string, unknown>;
  return requireString(template, path).replace(/\$\{(!?)([^}]*)\}/g, (_match, literal: string, name: string) => {
    if (literal) return `\${${name}}`;
    if (Object.hasOwn(vars, name)) return scalarString(vars[name], path);
    const dot = name.indexOf('.');
    if (dot > 0 && !name.startsWith('AWS::')) return scalarString(r.getAtt(name.slice(0, dot), name.slice(dot + 1)), path);
    return scalarString(r.ref(name), path);
  });
}

function getAttArgs(arg: unknown, path: string): [string, string] {
  if (typeof arg === 'string') {
    const dot = arg.indexOf('.');
    if (dot > 0) return [arg.slice(0, dot), arg.slice(dot + 1)];
  }
  if (Array.isArray(arg) && arg.length === 2) return [requireString(arg[0], path), requireString(arg[1], path)];
  throw new UnresolvableIntrinsicError(path, 'Fn::GetAtt needs [logicalId, attribute]');
}

function requireTuple(value: unknown, length: number, path: string): unknown[] {
  if (!Array.isArray(value) || value.length !== length) {
    throw new UnresolvableIntrinsicError(path, `expected a list of ${length}`);
  }
  return value;
}

function requireString(value: unknown, path: string): string {
  if (typeof value !== 'string') throw new UnresolvableIntrinsicError(path, 'expected a string');
  return value;
}

function scalarString(value: unknown, path: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new UnresolvableIntrinsicError(path, 'expected a string value');
}
