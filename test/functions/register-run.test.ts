import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runRegisteredDetailSchema } from '../../events/run-registered';
import { registerRun, type RegisterRunDeps } from '../../functions/register-run';
import { CorpusGateError } from '../../functions/runs/corpus-gate';
import { RunConfigError, runConfigHash, type RunConfig } from '../../functions/runs/run-config';
import { configDifferences, RunConflictError, type RunRecord } from '../../functions/runs/run-record';
import type { VerdictRecord } from '../../functions/stores/verdict-store';

const sample = JSON.parse(readFileSync(new URL('../../events/samples/register-run.json', import.meta.url), 'utf8'));
const corpus = sample.detail.corpusAudit as { uri: string; versionId: string };

function verdict(v: VerdictRecord['verdict']): VerdictRecord {
  return {
    subject: `corpus#${corpus.uri}`,
    key: `version#${corpus.versionId}`,
    kind: 'corpus-audit',
    verdict: v,
    reasons: v === 'FAIL' ? ['secrets in 4 rows'] : [],
    configHash: 'a',
    config: {},
    summary: {},
    reportUri: 's3://artifacts/report.json',
    createdAt: '2026-11-11T00:00:00Z',
  };
}

/** In-memory ports with the semantics of the DynamoDB adapters. */
function deps(corpusVerdict: VerdictRecord['verdict'] | undefined) {
  const runs = new Map<string, RunRecord>();
  const published: { source: string; detailType: string; detail: object }[] = [];
  const verdicts = corpusVerdict ? [verdict(corpusVerdict)] : [];
  const d: RegisterRunDeps = {
    runs: {
      async register(config: RunConfig) {
        const record = { runId: config.runId, config, configHash: runConfigHash(config), registeredAt: '2026-11-12T08:00:01.000Z' };
        const existing = runs.get(config.runId);
        if (!existing) {
          runs.set(config.runId, record);
          return { created: true, record };
        }
        if (existing.configHash === record.configHash) return { created: false, record: existing };
        throw new RunConflictError(config.runId, configDifferences(existing.config, config));
      },
    },
    verdicts: {
      get: async (subject, key) => verdicts.find((v) => v.subject === subject && v.key === key),
      list: async (subject) => verdicts.filter((v) => v.subject === subject),
    },
    publisher: { publish: async (source, detailType, detail) => void published.push({ source, detailType, detail }) },
  };
  return { deps: d, runs, published };
}

describe('registerRun', () => {
  it('registers a Register Run event and announces it', async () => {
    const { deps: d, runs, published } = deps('WARN');
    const detail = await registerRun(sample, d);
    expect(runRegisteredDetailSchema.parse(detail)).toMatchObject({
      runId: 'support-bot-7',
      created: true,
      corpusAudit: { verdict: 'WARN', key: `version#${corpus.versionId}` },
      arena: { effectFloor: 0.55, sampleSize: 800, requiredSampleSize: 783 },
      trainingJob: { bedrockJobName: 'support-bot-7' },
    });
    expect(detail.configHash).toBe(runs.get('support-bot-7')!.configHash);
    expect(published).toEqual([{ source: 'finegate.gate', detailType: 'Run Registered', detail }]);
  });

  it('takes the configuration by direct invocation, as an object or as run.yaml text', async () => {
    const { deps: d } = deps('PASS');
    expect((await registerRun(sample.detail, d)).created).toBe(true);
    const yaml = Object.entries({ ...sample.detail, runId: 'support-bot-8', trainingJob: undefined })
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
      .join('\n');
    expect(await registerRun(yaml, d)).toMatchObject({ runId: 'support-bot-8', created: true });
  });

  it('is a no-op for the identical configuration, and refuses a lowered threshold', async () => {
    const { deps: d, published } = deps('PASS');
    await registerRun(sample, d);
    expect((await registerRun(sample, d)).created).toBe(false);
    const lowered = { ...sample, detail: { ...sample.detail, drift: { ...sample.detail.drift, failPoints: 8 } } };
    await expect(registerRun(lowered, d)).rejects.toThrow(new RunConflictError('support-bot-7', ['drift.failPoints']));
    expect(published).toHaveLength(2);
  });

  it.each([['FAIL'], ['INCONCLUSIVE'], [undefined]] as const)('refuses a corpus audited %s, registering nothing', async (v) => {
    const { deps: d, runs, published } = deps(v);
    await expect(registerRun(sample, d)).rejects.toBeInstanceOf(CorpusGateError);
    expect(runs.size).toBe(0);
    expect(published).toEqual([]);
  });

  it('names the wrong field of an invalid configuration', async () => {
    const { deps: d } = deps('PASS');
    const error = await registerRun({ ...sample, detail: { ...sample.detail, arena: { effectFloor: 0.55, sampleSize: 100 } } }, d).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunConfigError);
    expect((error as Error).message).toMatch(/arena\.sampleSize: 100 non-tied comparisons cannot resolve/);
  });

  it('rejects an envelope that is not a Register Run', async () => {
    const { deps: d } = deps('PASS');
    await expect(registerRun({ ...sample, source: 'finegate.gate' }, d)).rejects.toThrow(/^rejected event: source: /);
  });
});
