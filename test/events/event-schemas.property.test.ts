import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ZodType } from 'zod';
import { parseTrainingJobStateChange, TrainingJobMappingError } from '../../events/training-job-state-change';

const RUNS = { seed: 20_261_112, numRuns: 150 };

const eventsDir = new URL('../../events/', import.meta.url);
const samplesDir = new URL('samples/', eventsDir);

/** Every zod schema every module in events/ exports, by module and export name. */
const schemas: { name: string; schema: ZodType }[] = [];
for (const file of readdirSync(eventsDir).filter((f) => f.endsWith('.ts')).sort()) {
  const module = (await import(`../../events/${file.slice(0, -3)}`)) as Record<string, unknown>;
  for (const [name, value] of Object.entries(module)) {
    if (value !== null && typeof value === 'object' && typeof (value as ZodType).safeParse === 'function') schemas.push({ name: `${file}#${name}`, schema: value as ZodType });
  }
}
/** The event envelopes: schemas with a literal `source`, which the rules and handlers parse whole events with. */
const envelopes = schemas.filter(({ schema }) => schema.safeParse({}).error?.issues.some((i) => i.path[0] === 'source'));

const samples = readdirSync(samplesDir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => ({ file, event: JSON.parse(readFileSync(new URL(file, samplesDir), 'utf8')) as Record<string, any> }));

/** Anything JavaScript can hand a parser: prototype-less objects, Maps, Dates, BigInts, sparse arrays, boxed values. */
const anything = fc.anything({ maxDepth: 3, withBigInt: true, withBoxedValues: true, withDate: true, withMap: true, withSet: true, withNullPrototype: true, withObjectString: true, withSparseArray: true, withTypedArray: true });
const anyObject = fc.object({ maxDepth: 3, values: [anything] });

type Issue = { path: PropertyKey[]; message: string };

function expectNamedIssues(issues: Issue[]): void {
  expect(issues.length).toBeGreaterThan(0);
  for (const issue of issues) {
    expect(Array.isArray(issue.path)).toBe(true);
    for (const part of issue.path) expect(['string', 'number']).toContain(typeof part);
    expect(issue.message.trim()).not.toBe('');
  }
}

/** The sample with the member at `path` replaced (or removed, for `undefined`). */
function mutate(event: unknown, path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(event) as Record<string | number, any>;
  let parent = copy;
  for (const part of path.slice(0, -1)) parent = parent[part];
  const last = path[path.length - 1]!;
  if (value === undefined) delete parent[last];
  else parent[last] = value;
  return copy;
}

/** Every path to a member of a JSON value, objects and arrays included. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [];
  const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  return entries.flatMap(([k, v]) => [[...prefix, k], ...paths(v, [...prefix, k])]);
}

describe('event schemas on arbitrary input', () => {
  it('finds the schemas and the envelopes', () => {
    expect(schemas.length).toBeGreaterThan(20);
    expect(envelopes.length).toBeGreaterThanOrEqual(samples.length);
  });

  it('never throw, and every issue is a path and a message', () => {
    fc.assert(
      fc.property(fc.constantFrom(...schemas), anything, ({ schema }, value) => {
        let result: ReturnType<ZodType['safeParse']> | undefined;
        expect(() => (result = schema.safeParse(value))).not.toThrow();
        if (!result!.success) expectNamedIssues(result!.error.issues as Issue[]);
      }),
      { ...RUNS, numRuns: 1000 },
    );
  });

  it('envelopes reject arbitrary objects, naming a field', () => {
    fc.assert(
      fc.property(fc.constantFrom(...envelopes), anyObject, ({ schema }, value) => {
        const result = schema.safeParse(value);
        expect(result.success).toBe(false);
        expectNamedIssues(result.error!.issues as Issue[]);
        expect(result.error!.issues.some((i) => i.path.length > 0)).toBe(true);
      }),
      RUNS,
    );
  });
});

describe('event samples', () => {
  it('each sample parses under exactly one envelope', () => {
    expect(samples.length).toBeGreaterThan(0);
    for (const { file, event } of samples) {
      const accepting = envelopes.filter(({ schema }) => schema.safeParse(event).success).map(({ name }) => name);
      expect(accepting, file).toHaveLength(1);
    }
  });

  it('a sample with one member damaged is refused at that member, or still valid', () => {
    const damage = fc.constantFrom(...samples).chain(({ file, event }) => {
      const envelope = envelopes.find(({ schema }) => schema.safeParse(event).success)!;
      return fc.record({ file: fc.constant(file), event: fc.constant(event), envelope: fc.constant(envelope), path: fc.constantFrom(...paths(event)), value: fc.oneof(anything, fc.constant(undefined)) });
    });
    fc.assert(
      fc.property(damage, ({ event, envelope, path, value }) => {
        const result = envelope.schema.safeParse(mutate(event, path, value));
        if (result.success) return;
        expectNamedIssues(result.error.issues as Issue[]);
        // The error points at the damage: the issue path runs through the changed member, or stops at an
        // ancestor of it (a refinement or union that judges the enclosing object).
        const related = (p: PropertyKey[]) => p.every((part, i) => i >= path.length || part === path[i]);
        expect(
          result.error.issues.some((i) => related(i.path)),
          `${path.join('.')}: ${JSON.stringify(result.error.issues)}`,
        ).toBe(true);
      }),
      { ...RUNS, numRuns: 600 },
    );
  });
});

describe('parseTrainingJobStateChange on arbitrary events', () => {
  const native = fc.constantFrom(
    { source: 'aws.sagemaker', 'detail-type': 'SageMaker Training Job State Change' },
    { source: 'aws.bedrock', 'detail-type': 'Model Customization Job State Change' },
  );

  it('returns the event, undefined for other events, or throws TrainingJobMappingError naming the field', () => {
    fc.assert(
      fc.property(fc.oneof(anything, fc.tuple(native, anyObject, fc.option(anyObject)).map(([envelope, rest, detail]) => ({ ...rest, ...envelope, ...(detail ? { detail } : {}) }))), (event) => {
        try {
          parseTrainingJobStateChange(event);
        } catch (error) {
          expect(error).toBeInstanceOf(TrainingJobMappingError);
          expect((error as TrainingJobMappingError).field).not.toBe('');
          expect((error as TrainingJobMappingError).reason.trim()).not.toBe('');
        }
      }),
      RUNS,
    );
  });
});
