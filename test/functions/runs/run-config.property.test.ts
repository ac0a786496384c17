import fc from 'fast-check';
import { stringify as toYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { arenaSampleSize } from '../../../functions/runs/arena-sample-size';
import { parseRunConfig, RunConfigError, type RunConfig } from '../../../functions/runs/run-config';

const RUNS = { seed: 20_261_112, numRuns: 300 };

/** A registrable run with every optional section, so damage can land anywhere. */
const valid = {
  runId: 'support-bot-7',
  study: 'support-sweep',
  baseModel: 'bedrock:meta.llama3-1-8b-instruct-v1:0',
  judgeModel: 'bedrock:anthropic.claude-3-5-sonnet-20240620-v1:0',
  rubricVersion: '2026-11-v1',
  heldout: { uri: 's3://corpora/heldout/support.jsonl', rubric: 'judge:task-completion', sampleSize: 200 },
  productionSamplesUri: 's3://corpora/production/support.jsonl',
  corpusAudit: { uri: 's3://corpora/corpora/support.jsonl.gz', versionId: 'v3' },
  drift: { suiteVersion: 'v1', noisePoints: 1, failPoints: 5, axes: ['reasoning', 'coding'] },
  arena: { effectFloor: 0.55, sampleSize: 800, maxSampleSize: 1600, positionMode: 'both', seed: 7 },
  earlyStop: { minDelta: 0.5, patience: 3 },
  trialStop: { margin: 4 },
  errorBudget: { maxErrorRate: 0.02 },
  concurrency: 16,
  seed: 7,
  trainingJob: { sagemakerJobName: 'support-bot-7', lossMetricName: 'train:loss' },
  candidateModelTemplate: 'openai:{jobName}#family=mistral',
};

/** Anything a YAML document or an EventBridge detail can hold, and some things JavaScript callers can pass. */
const anything = fc.anything({ maxDepth: 3, withBigInt: true, withBoxedValues: true, withDate: true, withMap: true, withSet: true, withNullPrototype: true, withSparseArray: true });
const yamlText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.jsonValue({ maxDepth: 3 }).map((v) => toYaml(v)),
  fc.constantFrom(
    // An alias bomb, a deeply nested flow sequence, custom and unknown tags, duplicate keys, several documents.
    'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n',
    `runId: ${'['.repeat(5000)}${']'.repeat(5000)}`,
    'runId: !!binary aGVsbG8=\nseed: !!timestamp 2001-12-14\n',
    'runId: a\nrunId: b\n',
    '--- \nrunId: a\n---\nrunId: b\n',
    '? [complex, key]\n: value\n',
    'seed: 0x10\nconcurrency: 1_000\narena: {effectFloor: .nan}\n',
  ),
);

/** Every path to a member of the valid config. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [];
  const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  return entries.flatMap(([k, v]) => [[...prefix, k], ...paths(v, [...prefix, k])]);
}

function damaged(path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(valid) as Record<string | number, any>;
  let parent = copy;
  for (const part of path.slice(0, -1)) parent = parent[part];
  const last = path[path.length - 1]!;
  if (value === undefined) delete parent[last];
  else parent[last] = value;
  return copy;
}

const at = (path: (string | number)[]) => path.reduce<any>((here, part) => here[part], valid);
const objectPaths = [[], ...paths(valid).filter((p) => { const v = at(p); return v !== null && typeof v === 'object' && !Array.isArray(v); })];

/** Damage to one member: a new value, a removal, or an unknown key beside it. */
const damage = fc.oneof(
  fc.record({ path: fc.constantFrom(...paths(valid)), value: fc.oneof(anything, fc.constant(undefined), fc.double(), fc.string()) }),
  fc.record({ parent: fc.constantFrom(...objectPaths), key: fc.string({ minLength: 1, maxLength: 12 }) }).map(({ parent, key }) => ({ path: [...parent, key], value: 1 as unknown })),
);

function jsonRoundTrip(value: unknown): unknown {
  try {
    return JSON.parse(JSON.stringify(value) ?? 'null');
  } catch {
    return undefined;
  }
}

/** Calls parseRunConfig; any exception other than RunConfigError fails the property. */
function attempt(input: unknown): { config: RunConfig } | { error: RunConfigError } {
  try {
    return { config: parseRunConfig(input) };
  } catch (error) {
    if (!(error instanceof RunConfigError)) throw new Error(`parseRunConfig threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    return { error };
  }
}

function expectNamedIssues(error: RunConfigError, input: unknown): void {
  expect(error.issues.length).toBeGreaterThan(0);
  const isObject = input !== null && typeof input === 'object' && !Array.isArray(input);
  for (const issue of error.issues) {
    expect(Array.isArray(issue.path)).toBe(true);
    for (const part of issue.path) expect(['string', 'number']).toContain(typeof part);
    expect(issue.message.trim()).not.toBe('');
    // An object's problems are its fields': only a value that is not an object at all is wrong at the root.
    if (isObject) expect(issue.path.length, issue.message).toBeGreaterThan(0);
    expect(error.message).toContain(issue.message);
  }
}

/** What a registered configuration guarantees to the stages that read it. */
function expectRegistrable(config: RunConfig): void {
  expect(config.drift.failPoints).toBeGreaterThanOrEqual(config.drift.noisePoints);
  expect(Math.max(config.arena.sampleSize, config.arena.maxSampleSize ?? 0)).toBeGreaterThanOrEqual(arenaSampleSize(config.arena.effectFloor));
  expect(Number.isInteger(config.arena.seed)).toBe(true);
  if (config.trialStop) expect(config.study).toBeDefined();
}

describe('parseRunConfig on arbitrary input', () => {
  it('returns a RunConfig or throws a RunConfigError naming paths, for any value', () => {
    fc.assert(
      fc.property(anything, (input) => {
        const result = attempt(input);
        if ('error' in result) expectNamedIssues(result.error, input);
        else expectRegistrable(result.config);
      }),
      RUNS,
    );
  });

  it('returns a RunConfig or throws a RunConfigError naming paths, for any YAML text', () => {
    fc.assert(
      fc.property(yamlText, (text) => {
        const result = attempt(text);
        if ('error' in result) expect(result.error.issues.length).toBeGreaterThan(0);
        else expectRegistrable(result.config);
      }),
      RUNS,
    );
  });
});

describe('parseRunConfig on a valid run with one member damaged', () => {
  it('the valid run registers, from an object and from its YAML', () => {
    expect(attempt(valid)).toHaveProperty('config');
    expect(attempt(toYaml(valid))).toEqual(attempt(valid));
  });

  it('refuses the damage at the member it hit (or a rule tying that member to another), or still registers', () => {
    // Rules that judge two members together report on either.
    const linked: Record<string, string[]> = { baseModel: ['judgeModel'], candidateModelTemplate: ['judgeModel'], study: ['trialStop'], seed: ['arena'] };
    fc.assert(
      fc.property(damage, fc.boolean(), ({ path, value }, asYaml) => {
        const object = damaged(path, value);
        // YAML carries only what JSON can; the object form covers the rest.
        const json = asYaml ? jsonRoundTrip(object) : undefined;
        const input = json === undefined ? object : toYaml(json);
        const result = attempt(input);
        if ('config' in result) return expectRegistrable(result.config);
        expectNamedIssues(result.error, object);
        const related = (p: (string | number)[]) => p.every((part, i) => i >= path.length || part === path[i]);
        const top = String(path[0]);
        expect(
          result.error.issues.some((i) => related(i.path) || (linked[top] ?? []).includes(String(i.path[0]))),
          `${path.join('.')}: ${result.error.message}`,
        ).toBe(true);
      }),
      { ...RUNS, numRuns: 500 },
    );
  });
});
