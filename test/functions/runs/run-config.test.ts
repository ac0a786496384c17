import { describe, expect, it } from 'vitest';
import { fillCandidateTemplate, parseRunConfig, RunConfigError, runConfigHash, runConfigSchema } from '../../../functions/runs/run-config';

const YAML = `
runId: support-bot-7
baseModel: bedrock:meta.llama3-1-8b-instruct-v1:0
judgeModel: bedrock:anthropic.claude-3-5-sonnet-20240620-v1:0
rubricVersion: 2026-11-v1
heldout:
  uri: s3://corpora/heldout/support.jsonl
  rubric: judge:task-completion
corpusAudit:
  uri: s3://corpora/corpora/support.jsonl.gz
`;

const minimal = {
  runId: 'support-bot-7',
  baseModel: 'bedrock:meta.llama3-1-8b-instruct-v1:0',
  judgeModel: 'bedrock:anthropic.claude-3-5-sonnet-20240620-v1:0',
  rubricVersion: '2026-11-v1',
  heldout: { uri: 's3://corpora/heldout/support.jsonl', rubric: 'judge:task-completion' },
  corpusAudit: { uri: 's3://corpora/corpora/support.jsonl.gz' },
};

function refusal(input: unknown): RunConfigError {
  try {
    parseRunConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(RunConfigError);
    return error as RunConfigError;
  }
  throw new Error('expected the configuration to be refused');
}

describe('parseRunConfig', () => {
  it('reads run.yaml and fills the defaults of the contract', () => {
    const config = parseRunConfig(YAML);
    expect(config).toMatchObject({
      runId: 'support-bot-7',
      rubricVersion: '2026-11-v1',
      drift: { suiteVersion: 'v1', noisePoints: 1, failPoints: 5 },
      arena: { effectFloor: 0.55, sampleSize: 783, positionMode: 'both', seed: 1 },
      earlyStop: { minDelta: 0.5, patience: 3 },
      errorBudget: { maxErrorRate: 0.02 },
      concurrency: 16,
      seed: 1,
    });
    expect(config.study).toBeUndefined();
    expect(config.trialStop).toBeUndefined();
  });

  it('takes an object as well as YAML text, with the same result', () => {
    expect(parseRunConfig(minimal)).toEqual(parseRunConfig(YAML));
  });

  it('stores model references in canonical form', () => {
    const config = parseRunConfig({ ...minimal, baseModel: 'Bedrock:meta.llama3-1-8b-instruct-v1:0', judgeModel: ' openai:gpt-4o ' });
    expect(config.baseModel).toBe('bedrock:meta.llama3-1-8b-instruct-v1:0');
    expect(config.judgeModel).toBe('openai:gpt-4o');
  });

  it('defaults the arena seed to the run seed, but keeps an explicit one', () => {
    expect(parseRunConfig({ ...minimal, seed: 9 }).arena.seed).toBe(9);
    expect(parseRunConfig({ ...minimal, seed: 9, arena: { seed: 4 } }).arena.seed).toBe(4);
  });

  it('names a misspelt field instead of dropping it', () => {
    const error = refusal({ ...minimal, drift: { failPoint: 2 } });
    expect(error.issues).toEqual([{ path: ['drift', 'failPoint'], message: expect.stringMatching(/unknown field/) }]);
    expect(error.message).toContain('drift.failPoint');
  });

  it.each([
    [{ runId: 'a b' }, 'runId'],
    [{ runId: 'x'.repeat(65) }, 'runId'],
    [{ baseModel: 'gpt-4o' }, 'baseModel'],
    [{ heldout: { uri: 's3://bucket-only', rubric: 'exact-match' } }, 'heldout.uri'],
    [{ heldout: { uri: 'h.jsonl', rubric: 'Exact Match' } }, 'heldout.rubric'],
    [{ corpusAudit: { uri: '/local/corpus.jsonl' } }, 'corpusAudit.uri'],
    [{ arena: { effectFloor: 0.5 } }, 'arena.effectFloor'],
    [{ arena: { positionMode: 'left' } }, 'arena.positionMode'],
    [{ errorBudget: { maxErrorRate: 1.5 } }, 'errorBudget.maxErrorRate'],
    [{ concurrency: 0 }, 'concurrency'],
    [{ drift: { noisePoints: 3, failPoints: 2 } }, 'drift.failPoints'],
    [{ trainingJob: {} }, 'trainingJob'],
    [{ trainingJob: { sagemakerJobName: 'has_underscore' } }, 'trainingJob.sagemakerJobName'],
  ])('refuses %j, naming %s', (patch, field) => {
    const error = refusal({ ...minimal, ...patch });
    expect(error.issues.map((i) => i.path.join('.'))).toContain(field);
    expect(error.message).toContain(`${field}:`);
  });

  it('names the missing required fields', () => {
    const error = refusal({ runId: 'r' });
    expect(error.issues.map((i) => i.path.join('.'))).toEqual(expect.arrayContaining(['baseModel', 'judgeModel', 'rubricVersion', 'heldout', 'corpusAudit']));
  });

  it('reports YAML that does not parse', () => {
    expect(refusal('runId: [unclosed').message).toMatch(/not valid YAML/);
  });
});

describe('the cross-family judge rule', () => {
  it('refuses a judge of the base model family', () => {
    const error = refusal({ ...minimal, judgeModel: 'openai:meta-llama/Llama-3.1-70B-Instruct' });
    expect(error.issues).toEqual([{ path: ['judgeModel'], message: expect.stringMatching(/base model's family \(meta\)/) }]);
  });

  it('refuses a judge of the candidates family when the template fixes it', () => {
    const error = refusal({ ...minimal, candidateModelTemplate: 'openai:{jobName}#family=anthropic' });
    expect(error.issues[0]).toMatchObject({ path: ['judgeModel'], message: expect.stringMatching(/candidate's family \(anthropic\)/) });
    expect(refusal({ ...minimal, candidateModelTemplate: 'bedrock:anthropic.claude-3-haiku-20240307-v1:0' }).issues[0]!.path).toEqual(['judgeModel']);
  });

  it('does not guess a candidate family from placeholder values', () => {
    // {outputModelArn} is filled with an example ARN at registration; its family says nothing about the real one.
    expect(parseRunConfig({ ...minimal, judgeModel: 'openai:gpt-4o', candidateModelTemplate: 'bedrock:{outputModelArn}' }).candidateModelTemplate).toBe('bedrock:{outputModelArn}');
  });

  it('fails closed on a judge or base whose family cannot be told', () => {
    const opaque = 'bedrock:arn:aws:bedrock:us-east-1:123456789012:imported-model/abc123';
    expect(refusal({ ...minimal, judgeModel: opaque }).issues[0]).toMatchObject({ path: ['judgeModel'], message: expect.stringMatching(/#family=/) });
    expect(refusal({ ...minimal, baseModel: opaque }).issues[0]).toMatchObject({ path: ['baseModel'] });
    expect(parseRunConfig({ ...minimal, baseModel: `${opaque}#family=meta` }).baseModel).toBe(`${opaque}#family=meta`);
  });

  it('accepts local models that declare their family', () => {
    expect(() => parseRunConfig({ ...minimal, baseModel: 'local:echo', judgeModel: 'local:judge' })).toThrow(/judgeModel/);
    expect(parseRunConfig({ ...minimal, baseModel: 'local:echo', judgeModel: 'local:judge#family=anthropic' }).judgeModel).toBe('local:judge#family=anthropic');
  });
});

describe('the arena sample size check', () => {
  it('refuses a sample that cannot resolve the effect floor, saying how many are needed', () => {
    const error = refusal({ ...minimal, arena: { effectFloor: 0.55, sampleSize: 400 } });
    expect(error.issues).toEqual([{ path: ['arena', 'sampleSize'], message: expect.stringMatching(/at least 783 are needed/) }]);
  });

  it('accepts a smaller initial sample the arena may extend far enough', () => {
    expect(parseRunConfig({ ...minimal, arena: { sampleSize: 400, maxSampleSize: 800 } }).arena).toMatchObject({ sampleSize: 400, maxSampleSize: 800 });
    expect(refusal({ ...minimal, arena: { sampleSize: 400, maxSampleSize: 500 } }).issues[0]!.path).toEqual(['arena', 'maxSampleSize']);
  });

  it('accepts exactly the needed sample and a higher floor with a smaller one', () => {
    expect(parseRunConfig({ ...minimal, arena: { sampleSize: 783 } }).arena.sampleSize).toBe(783);
    expect(refusal({ ...minimal, arena: { sampleSize: 782 } }).issues[0]!.path).toEqual(['arena', 'sampleSize']);
    expect(parseRunConfig({ ...minimal, arena: { effectFloor: 0.6, sampleSize: 200 } }).arena.sampleSize).toBe(200);
  });
});

describe('other registration rules', () => {
  it('needs a study for trial stop', () => {
    expect(refusal({ ...minimal, trialStop: { margin: 5 } }).issues[0]!.path).toEqual(['trialStop']);
    expect(parseRunConfig({ ...minimal, study: 'sweep-1', trialStop: { margin: 5 } }).trialStop).toEqual({ margin: 5 });
  });

  it('checks the candidate template placeholders', () => {
    expect(refusal({ ...minimal, candidateModelTemplate: 'openai:{job}' }).issues[0]!.message).toMatch(/unknown placeholder \{job\}/);
    expect(refusal({ ...minimal, candidateModelTemplate: 'nope:{jobName}' }).issues[0]!.path).toEqual(['candidateModelTemplate']);
  });

  it('is applied by the exported schema as well', () => {
    expect(runConfigSchema.safeParse({ ...minimal, judgeModel: 'bedrock:meta.llama3-70b-instruct-v1:0' }).success).toBe(false);
  });
});

describe('fillCandidateTemplate', () => {
  it('fills the placeholders a job provides and names one it does not', () => {
    expect(fillCandidateTemplate('openai:{runId}-{jobName}#family=meta', { runId: 'r', jobName: 'j' })).toBe('openai:r-j#family=meta');
    expect(() => fillCandidateTemplate('bedrock:{outputModelArn}', { jobName: 'j' })).toThrow(/\{outputModelArn\}, which this training job does not provide/);
  });
});

describe('runConfigHash', () => {
  it('is stable across key order, spelling of defaults and model-reference case', () => {
    const a = parseRunConfig(YAML);
    const reversed = Object.fromEntries(Object.entries(minimal).reverse());
    const b = parseRunConfig({ ...reversed, drift: { failPoints: 5, noisePoints: 1 }, baseModel: 'BEDROCK:meta.llama3-1-8b-instruct-v1:0' });
    expect(runConfigHash(a)).toMatch(/^[0-9a-f]{16}$/);
    expect(runConfigHash(b)).toBe(runConfigHash(a));
  });

  it('changes with any threshold', () => {
    const base = runConfigHash(parseRunConfig(minimal));
    expect(runConfigHash(parseRunConfig({ ...minimal, drift: { failPoints: 4 } }))).not.toBe(base);
    expect(runConfigHash(parseRunConfig({ ...minimal, errorBudget: { maxErrorRate: 0.03 } }))).not.toBe(base);
    expect(runConfigHash(parseRunConfig({ ...minimal, rubricVersion: '2026-12-v1' }))).not.toBe(base);
  });
});

describe('arena effect floor', () => {
  it('refuses a floor too close to 0.5 to ever be resolved, naming the field', async () => {
    const { parseRunConfig, RunConfigError } = await import('../../../functions/runs/run-config');
    const base = {
      runId: 'r',
      baseModel: 'bedrock:meta.llama3-1-8b-instruct-v1:0',
      judgeModel: 'bedrock:anthropic.claude-3-5-haiku-20241022-v1:0',
      rubricVersion: '2026-11-v1',
      heldout: { uri: 's3://b/h.jsonl', rubric: 'exact-match' },
      corpusAudit: { uri: 's3://b/corpora/c.jsonl' },
    };
    const error = (() => {
      try {
        parseRunConfig({ ...base, arena: { effectFloor: 0.5000000000000001 } });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(RunConfigError);
    expect((error as InstanceType<typeof RunConfigError>).issues.map((i) => i.path.join('.'))).toContain('arena.effectFloor');
    expect(parseRunConfig({ ...base, arena: { effectFloor: 0.55 } }).arena.sampleSize).toBeGreaterThan(300);
  });
});
