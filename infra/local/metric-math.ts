import { parseStatistic, type MetricIdentity, type MetricStore } from './metric-store';

/**
 * CloudWatch metric math, the part finegate's alarms and readers use and a little more: numbers, metric ids,
 * + - * / ^, unary minus, parentheses, comparisons (> < >= <= == !=, giving 1 or 0), AND/&& OR/|| NOT,
 * IF(cond, a[, b]), FILL(series, value | REPEAT), ABS, MIN/MAX/SUM/AVG of one series (a number) and PERIOD(id).
 *
 * Series semantics as CloudWatch has them: a time series is a map bucket start → value over the query's buckets;
 * an operation between two series gives values only where both have one; a series with a number applies the number
 * to every value; FILL gives every bucket of the query a value; IF decides per bucket of its condition (without a
 * third argument a false bucket has no value); a division by zero gives no value. The result must be a time series.
 *
 * Also here: planning and running a set of GetMetricData-style queries (MetricStat and Expression, by id), which
 * the GetMetricData endpoint and the alarms share.
 */

export type Series = Map<number, number>;
type Value = number | Series;

export class MetricMathError extends Error {
  constructor(
    message: string,
    /** The expression the error is about, when it is about one. */
    readonly expression?: string,
    /** 0-based index into the expression of the offending token. */
    readonly position?: number,
  ) {
    super(message);
    this.name = 'MetricMathError';
  }
}

type BinaryOperator = '+' | '-' | '*' | '/' | '^' | '>' | '<' | '>=' | '<=' | '==' | '!=' | 'AND' | 'OR';

export type MathNode =
  | { kind: 'number'; value: number; position: number }
  | { kind: 'ref'; id: string; position: number }
  | { kind: 'keyword'; name: 'REPEAT' | 'LINEAR'; position: number }
  | { kind: 'unary'; operator: '-' | 'NOT'; operand: MathNode; position: number }
  | { kind: 'binary'; operator: BinaryOperator; left: MathNode; right: MathNode; position: number }
  | { kind: 'call'; name: string; args: MathNode[]; position: number };

export interface ParsedExpression {
  source: string;
  root: MathNode;
  /** The metric ids the expression reads, in order of first use. */
  references: string[];
}

/** Functions by name: their argument counts. */
const FUNCTIONS: Readonly<Record<string, { min: number; max: number }>> = {
  IF: { min: 2, max: 3 },
  FILL: { min: 2, max: 2 },
  ABS: { min: 1, max: 1 },
  MIN: { min: 1, max: 1 },
  MAX: { min: 1, max: 1 },
  SUM: { min: 1, max: 1 },
  AVG: { min: 1, max: 1 },
  PERIOD: { min: 1, max: 1 },
};

type Token =
  | { type: 'number'; value: number; text: string; position: number }
  | { type: 'ident'; value: string; text: string; position: number }
  | { type: 'op'; value: string; text: string; position: number }
  | { type: 'end'; text: string; position: number };

const OPERATORS = ['>=', '<=', '==', '!=', '&&', '||', '+', '-', '*', '/', '^', '(', ')', ',', '>', '<'];

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const number = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(source.slice(i));
    if (number) {
      tokens.push({ type: 'number', value: Number(number[0]), text: number[0], position: i });
      i += number[0].length;
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i));
    if (ident) {
      tokens.push({ type: 'ident', value: ident[0], text: ident[0], position: i });
      i += ident[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => source.startsWith(o, i));
    if (op) {
      tokens.push({ type: 'op', value: op, text: op, position: i });
      i += op.length;
      continue;
    }
    const hint = c === '[' || c === '{' ? ' (arrays of series are not supported here)' : c === '"' || c === "'" ? ' (SEARCH and string arguments are not supported here)' : '';
    throw syntaxError(source, i, `unexpected character '${c}'${hint}`);
  }
  tokens.push({ type: 'end', text: '', position: source.length });
  return tokens;
}

function syntaxError(source: string, position: number, what: string): MetricMathError {
  return new MetricMathError(`Metric math: ${what} at position ${position} in "${source}"`, source, position);
}

/** Parses an expression, or throws a MetricMathError naming the position of the first thing it cannot read. */
export function parseMetricMath(source: string): ParsedExpression {
  if (source.trim() === '') throw new MetricMathError('Metric math: the expression is empty', source, 0);
  const tokens = tokenize(source);
  let at = 0;
  const peek = () => tokens[at]!;
  const next = () => tokens[at++]!;
  const describe = (t: Token) => (t.type === 'end' ? 'end of expression' : `'${t.text}'`);
  const isOp = (t: Token, ...values: string[]) => t.type === 'op' && values.includes(t.value);
  const isWord = (t: Token, ...values: string[]) => t.type === 'ident' && values.includes(t.value);
  const expect = (value: string) => {
    const t = next();
    if (!isOp(t, value)) throw syntaxError(source, t.position, `expected '${value}' but found ${describe(t)}`);
  };

  const binaryLevel = (operand: () => MathNode, match: (t: Token) => BinaryOperator | undefined) => (): MathNode => {
    let left = operand();
    for (let operator = match(peek()); operator !== undefined; operator = match(peek())) {
      const position = next().position;
      left = { kind: 'binary', operator, left, right: operand(), position };
    }
    return left;
  };

  const primary = (): MathNode => {
    const t = next();
    if (t.type === 'number') return { kind: 'number', value: t.value, position: t.position };
    if (isOp(t, '(')) {
      const inner = or();
      expect(')');
      return inner;
    }
    if (t.type === 'ident') {
      if (isOp(peek(), '(')) {
        const spec = FUNCTIONS[t.value];
        if (!spec) throw syntaxError(source, t.position, `unsupported function ${t.value} (supported: ${Object.keys(FUNCTIONS).join(', ')})`);
        next();
        const args: MathNode[] = [];
        if (!isOp(peek(), ')')) {
          args.push(or());
          while (isOp(peek(), ',')) {
            next();
            args.push(or());
          }
        }
        expect(')');
        if (args.length < spec.min || args.length > spec.max) {
          const wanted = spec.min === spec.max ? `${spec.min}` : `${spec.min} or ${spec.max}`;
          throw syntaxError(source, t.position, `${t.value} takes ${wanted} argument${spec.max === 1 ? '' : 's'}, got ${args.length}`);
        }
        return { kind: 'call', name: t.value, args, position: t.position };
      }
      if (t.value === 'REPEAT' || t.value === 'LINEAR') return { kind: 'keyword', name: t.value, position: t.position };
      if (['AND', 'OR', 'NOT'].includes(t.value)) throw syntaxError(source, t.position, `unexpected ${t.value}`);
      return { kind: 'ref', id: t.value, position: t.position };
    }
    throw syntaxError(source, t.position, `unexpected ${describe(t)}`);
  };

  // ^ binds tighter than unary minus (-2^2 is -4) and is right-associative; its exponent may carry a sign.
  const power = (): MathNode => {
    const base = primary();
    if (!isOp(peek(), '^')) return base;
    const position = next().position;
    return { kind: 'binary', operator: '^', left: base, right: unary(), position };
  };
  const unary = (): MathNode => {
    const t = peek();
    if (isOp(t, '-') || isWord(t, 'NOT')) {
      next();
      return { kind: 'unary', operator: t.type === 'op' ? '-' : 'NOT', operand: unary(), position: t.position };
    }
    if (isOp(t, '+')) {
      next();
      return unary();
    }
    return power();
  };
  const multiplicative = binaryLevel(unary, (t) => (isOp(t, '*', '/') ? (t as { value: '*' | '/' }).value : undefined));
  const additive = binaryLevel(multiplicative, (t) => (isOp(t, '+', '-') ? (t as { value: '+' | '-' }).value : undefined));
  const comparison = binaryLevel(additive, (t) => (isOp(t, '>', '<', '>=', '<=', '==', '!=') ? ((t as { value: string }).value as BinaryOperator) : undefined));
  const and = binaryLevel(comparison, (t) => (isOp(t, '&&') || isWord(t, 'AND') ? 'AND' : undefined));
  const or: () => MathNode = binaryLevel(and, (t) => (isOp(t, '||') || isWord(t, 'OR') ? 'OR' : undefined));

  const root = or();
  const trailing = peek();
  if (trailing.type !== 'end') throw syntaxError(source, trailing.position, `unexpected ${describe(trailing)}`);

  const references: string[] = [];
  const walk = (node: MathNode, fillMode: boolean): void => {
    switch (node.kind) {
      case 'ref':
        if (!references.includes(node.id)) references.push(node.id);
        return;
      case 'keyword':
        if (!fillMode) throw syntaxError(source, node.position, `${node.name} is only allowed as the second argument of FILL`);
        if (node.name === 'LINEAR') throw syntaxError(source, node.position, 'FILL(…, LINEAR) is not supported here (use a value or REPEAT)');
        return;
      case 'unary':
        return walk(node.operand, false);
      case 'binary':
        walk(node.left, false);
        return walk(node.right, false);
      case 'call':
        if (node.name === 'PERIOD' && node.args[0]!.kind !== 'ref') throw syntaxError(source, node.args[0]!.position, 'PERIOD takes a metric id');
        node.args.forEach((arg, i) => walk(arg, node.name === 'FILL' && i === 1));
        return;
      case 'number':
        return;
    }
  };
  walk(root, false);
  return { source, root, references };
}

export interface MathContext {
  /** Start of each bucket of the query range, ascending: what FILL fills. */
  buckets: readonly number[];
  /** The series of a metric id, or undefined when the id is unknown. */
  series(id: string): ReadonlyMap<number, number> | undefined;
  /** The period of a metric id in seconds (for PERIOD). */
  periodSeconds?(id: string): number | undefined;
}

/** Evaluates an expression to a time series; throws a MetricMathError for an unknown id or a misuse of a function. */
export function evaluateMetricMath(expression: string | ParsedExpression, context: MathContext): Series {
  const parsed = typeof expression === 'string' ? parseMetricMath(expression) : expression;
  const { source } = parsed;
  const fail = (node: MathNode, what: string) => new MetricMathError(`Metric math: ${what} at position ${node.position} in "${source}"`, source, node.position);

  const asSeries = (node: MathNode, value: Value, role: string): Series => {
    if (typeof value === 'number') throw fail(node, `${role} must be a time series, not a number`);
    return value;
  };

  const evaluate = (node: MathNode): Value => {
    switch (node.kind) {
      case 'number':
        return node.value;
      case 'ref': {
        const series = context.series(node.id);
        if (series === undefined) throw fail(node, `unknown metric id "${node.id}"`);
        // Never mutated: every operation builds a new series.
        return series as Series;
      }
      case 'keyword':
        throw fail(node, `${node.name} is only allowed as the second argument of FILL`);
      case 'unary': {
        const operand = evaluate(node.operand);
        return node.operator === '-' ? map1(operand, (v) => -v) : map1(operand, (v) => (v === 0 ? 1 : 0));
      }
      case 'binary':
        return map2(evaluate(node.left), evaluate(node.right), BINARY[node.operator]);
      case 'call':
        return call(node);
    }
  };

  const call = (node: Extract<MathNode, { kind: 'call' }>): Value => {
    const [first, second, third] = node.args as [MathNode, MathNode | undefined, MathNode | undefined];
    switch (node.name) {
      case 'ABS':
        return map1(evaluate(first), Math.abs);
      case 'MIN':
      case 'MAX':
      case 'SUM':
      case 'AVG': {
        const values = [...asSeries(first, evaluate(first), `the argument of ${node.name}`).values()];
        if (values.length === 0) return Number.NaN;
        const sum = values.reduce((a, b) => a + b, 0);
        return node.name === 'MIN' ? Math.min(...values) : node.name === 'MAX' ? Math.max(...values) : node.name === 'SUM' ? sum : sum / values.length;
      }
      case 'PERIOD': {
        const id = (first as Extract<MathNode, { kind: 'ref' }>).id;
        const period = context.periodSeconds?.(id);
        if (period === undefined) throw fail(first, `unknown metric id "${id}"`);
        return period;
      }
      case 'FILL': {
        const series = asSeries(first, evaluate(first), 'the first argument of FILL');
        const filled: Series = new Map();
        if (second!.kind === 'keyword') {
          // REPEAT: the most recent real value before the gap; a gap before the first value stays empty.
          let last: number | undefined;
          for (const t of context.buckets) {
            const v = series.get(t);
            if (v !== undefined) last = v;
            if (last !== undefined) filled.set(t, last);
          }
          return filled;
        }
        const fill = evaluate(second!);
        if (typeof fill !== 'number') throw fail(second!, 'the fill value of FILL must be a number');
        for (const t of context.buckets) {
          const v = series.get(t) ?? fill;
          if (Number.isFinite(v)) filled.set(t, v);
        }
        return filled;
      }
      case 'IF': {
        const condition = evaluate(first);
        const whenTrue = evaluate(second!);
        const whenFalse = third === undefined ? undefined : evaluate(third);
        if (typeof condition === 'number') {
          if (!Number.isFinite(condition)) return new Map();
          const chosen = condition !== 0 ? whenTrue : whenFalse;
          return chosen ?? new Map();
        }
        const result: Series = new Map();
        for (const [t, c] of condition) {
          const branch = c !== 0 ? whenTrue : whenFalse;
          const v = branch === undefined ? undefined : typeof branch === 'number' ? branch : branch.get(t);
          if (v !== undefined && Number.isFinite(v)) result.set(t, v);
        }
        return result;
      }
      default:
        throw fail(node, `unsupported function ${node.name}`);
    }
  };

  const result = evaluate(parsed.root);
  if (typeof result === 'number') throw new MetricMathError(`Metric math: "${source}" gives a single number, not a time series`, source, 0);
  return new Map([...result].sort(([a], [b]) => a - b));
}

const truth = (v: number) => v !== 0;
const BINARY: Readonly<Record<BinaryOperator, (a: number, b: number) => number>> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  // No datapoint for a division by zero (a non-finite result is dropped).
  '/': (a, b) => (b === 0 ? Number.NaN : a / b),
  '^': (a, b) => a ** b,
  '>': (a, b) => Number(a > b),
  '<': (a, b) => Number(a < b),
  '>=': (a, b) => Number(a >= b),
  '<=': (a, b) => Number(a <= b),
  '==': (a, b) => Number(a === b),
  '!=': (a, b) => Number(a !== b),
  AND: (a, b) => Number(truth(a) && truth(b)),
  OR: (a, b) => Number(truth(a) || truth(b)),
};

function map1(value: Value, f: (v: number) => number): Value {
  if (typeof value === 'number') return f(value);
  const result: Series = new Map();
  for (const [t, v] of value) {
    const r = f(v);
    if (Number.isFinite(r)) result.set(t, r);
  }
  return result;
}

function map2(left: Value, right: Value, f: (a: number, b: number) => number): Value {
  if (typeof left === 'number' && typeof right === 'number') return f(left, right);
  const result: Series = new Map();
  const timeline = typeof left === 'number' ? (right as Series) : left;
  for (const t of timeline.keys()) {
    const a = typeof left === 'number' ? left : left.get(t);
    const b = typeof right === 'number' ? right : right.get(t);
    // Between two series, only the buckets both have.
    if (a === undefined || b === undefined) continue;
    const r = f(a, b);
    if (Number.isFinite(r)) result.set(t, r);
  }
  return result;
}

/* ---------------------------------------------------------------------------------------------------------------- */

export interface MetricStatQuery extends MetricIdentity {
  periodSeconds: number;
  /** Sum, Average, Minimum, Maximum, SampleCount or a percentile pNN[.NN]. */
  stat: string;
  unit?: string;
}

/** One query of a set, as GetMetricData and an alarm's Metrics[] give it: a metric statistic or an expression. */
export interface MetricQuerySpec {
  id: string;
  label?: string;
  /** Whether the caller wants this query's result (GetMetricData returns only those; an alarm watches the one). */
  returnData: boolean;
  metricStat?: MetricStatQuery;
  expression?: string;
  /** An expression's period, in seconds; by default the period of the metrics it reads. */
  periodSeconds?: number;
}

export interface MetricQueryPlan {
  /** In an order where every expression comes after the queries it reads. */
  readonly queries: readonly MetricQuerySpec[];
  readonly expressions: ReadonlyMap<string, ParsedExpression>;
  readonly periods: ReadonlyMap<string, number>;
}

export interface MetricQueryResult {
  id: string;
  label: string;
  returnData: boolean;
  periodSeconds: number;
  values: Series;
}

const QUERY_ID = /^[a-z][A-Za-z0-9_]{0,254}$/;

/**
 * Checks a query set as GetMetricData would (ids unique and well formed, one of MetricStat or Expression each,
 * expressions that parse and read only ids of the set, no cycles) and orders it; throws a MetricMathError.
 */
export function planMetricQueries(queries: readonly MetricQuerySpec[]): MetricQueryPlan {
  const byId = new Map<string, MetricQuerySpec>();
  const expressions = new Map<string, ParsedExpression>();
  for (const q of queries) {
    if (!QUERY_ID.test(q.id)) throw new MetricMathError(`query id "${q.id}" must start with a lowercase letter and hold only letters, digits and '_'`);
    if (byId.has(q.id)) throw new MetricMathError(`query id "${q.id}" is used twice`);
    byId.set(q.id, q);
    if ((q.metricStat === undefined) === (q.expression === undefined)) throw new MetricMathError(`query "${q.id}" needs exactly one of MetricStat and Expression`);
    if (q.metricStat) {
      try {
        parseStatistic(q.metricStat.stat);
      } catch (error) {
        throw new MetricMathError(`query "${q.id}": ${(error as Error).message}`);
      }
      checkPeriod(q.id, q.metricStat.periodSeconds);
    } else {
      const parsed = parseMetricMath(q.expression!);
      expressions.set(q.id, parsed);
      if (q.periodSeconds !== undefined) checkPeriod(q.id, q.periodSeconds);
    }
  }
  for (const [id, parsed] of expressions) {
    for (const ref of parsed.references) if (!byId.has(ref)) throw new MetricMathError(`expression "${id}" reads "${ref}", which is not a query of this request`, parsed.source);
  }

  const ordered: MetricQuerySpec[] = [];
  const periods = new Map<string, number>();
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string): void => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') throw new MetricMathError(`expression "${id}" depends on itself`);
    state.set(id, 'visiting');
    const q = byId.get(id)!;
    const parsed = expressions.get(id);
    if (parsed) {
      parsed.references.forEach(visit);
      periods.set(id, expressionPeriod(q, parsed, periods));
    } else {
      periods.set(id, q.metricStat!.periodSeconds);
    }
    state.set(id, 'done');
    ordered.push(q);
  };
  for (const q of queries) visit(q.id);
  return { queries: ordered, expressions, periods };
}

function checkPeriod(id: string, seconds: number): void {
  // CloudWatch takes 1, 5, 10, 20, 30 or a multiple of 60 seconds.
  if (!Number.isInteger(seconds) || seconds < 1 || !([1, 5, 10, 20, 30].includes(seconds) || seconds % 60 === 0)) {
    throw new MetricMathError(`the period of "${id}" must be 1, 5, 10, 20, 30 or a multiple of 60 seconds, got ${seconds}`);
  }
}

function expressionPeriod(q: MetricQuerySpec, parsed: ParsedExpression, periods: ReadonlyMap<string, number>): number {
  if (q.periodSeconds !== undefined) return q.periodSeconds;
  const read = [...new Set(parsed.references.map((ref) => periods.get(ref)!))];
  if (read.length === 1) return read[0]!;
  if (read.length === 0) throw new MetricMathError(`expression "${q.id}" reads no metric: give it a Period`, parsed.source);
  throw new MetricMathError(`expression "${q.id}" combines metrics of periods ${read.join(', ')} seconds: give it a Period`, parsed.source);
}

export interface QueryRange {
  /** Epoch milliseconds, inclusive; bucket k starts at start + k·period. */
  start: number;
  /** Epoch milliseconds, exclusive. */
  end: number;
  /** Wall time runs this much faster than metric time: a period of P seconds lasts P/timeScale seconds. @default 1 */
  timeScale?: number;
}

/** Runs every query of a plan over a range; the result has each query's series by id (returnData or not). */
export function runMetricQueries(plan: MetricQueryPlan, store: MetricStore, range: QueryRange): Map<string, MetricQueryResult> {
  const scale = range.timeScale ?? 1;
  const results = new Map<string, MetricQueryResult>();
  for (const q of plan.queries) {
    const periodSeconds = plan.periods.get(q.id)!;
    const periodMs = (periodSeconds * 1000) / scale;
    let values: Series;
    if (q.metricStat) {
      const { periodSeconds: _, stat, unit, ...metric } = q.metricStat;
      values = store.statistics(metric, stat, range.start, range.end, periodMs, unit);
    } else {
      const buckets: number[] = [];
      for (let t = range.start; t < range.end; t += periodMs) buckets.push(t);
      values = evaluateMetricMath(plan.expressions.get(q.id)!, {
        buckets,
        series: (id) => results.get(id)?.values,
        periodSeconds: (id) => plan.periods.get(id),
      });
    }
    results.set(q.id, { id: q.id, label: q.label ?? (q.metricStat ? q.metricStat.metricName : q.id), returnData: q.returnData, periodSeconds, values });
  }
  return results;
}
