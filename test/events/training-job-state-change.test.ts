import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  bedrockCustomizationJobCompletedPattern,
  bedrockModelCustomizationJobStateChangeSchema,
  parseTrainingJobStateChange,
  sagemakerTrainingJobCompletedPattern,
  sagemakerTrainingJobStateChangeSchema,
  toCheckpointReady,
  TrainingJobMappingError,
  type RunLookup,
  type TrainingJobRef,
  type TrainingJobStateChange,
} from '../../events/training-job-state-change';
import { parseRunConfig, type RunConfigInput } from '../../functions/runs/run-config';
import { matchesEventPattern } from '../../infra/local/event-pattern';

const load = (name: string) => JSON.parse(readFileSync(new URL(`../../events/samples/${name}.json`, import.meta.url), 'utf8'));
const sagemaker = load('sagemaker-training-job-state-change');
const bedrock = load('bedrock-model-customization-job-state-change');

function config(runId: string, patch: Partial<RunConfigInput> = {}) {
  return parseRunConfig({
    runId,
    baseModel: 'bedrock:meta.llama3-1-8b-instruct-v1:0',
    judgeModel: 'bedrock:anthropic.claude-3-5-sonnet-20240620-v1:0',
    rubricVersion: '2026-11-v1',
    heldout: { uri: 's3://corpora/heldout.jsonl', rubric: 'exact-match' },
    corpusAudit: { uri: 's3://corpora/corpus.jsonl' },
    ...patch,
  });
}

/** Runs registered by job name, as the runs table answers; records every lookup. */
function lookupOf(runs: Record<string, ReturnType<typeof config>>, lastStep?: number) {
  const asked: TrainingJobRef[] = [];
  const lookup: RunLookup = async (job) => {
    asked.push(job);
    const found = runs[`${job.provider}:${job.jobName}`] ?? (job.tags['finegate-run-id'] ? runs[`tag:${job.tags['finegate-run-id']}`] : undefined);
    return found ? { runId: found.runId, config: found, lastStep } : undefined;
  };
  return { lookup, asked };
}

const parse = (event: unknown) => parseTrainingJobStateChange(event) as TrainingJobStateChange;
const withDetail = (event: { detail: object }, patch: object) => ({ ...event, detail: { ...event.detail, ...patch } });

describe('native training job events', () => {
  it('the samples are valid and matched by the completed-job patterns', () => {
    expect(sagemakerTrainingJobStateChangeSchema.parse(sagemaker).detail.TrainingJobName).toBe('support-bot-8-sft');
    expect(bedrockModelCustomizationJobStateChangeSchema.parse(bedrock).detail.jobStatus).toBe('Completed');
    expect(matchesEventPattern(sagemakerTrainingJobCompletedPattern(), sagemaker)).toBe(true);
    expect(matchesEventPattern(bedrockCustomizationJobCompletedPattern(), bedrock)).toBe(true);
    expect(matchesEventPattern(sagemakerTrainingJobCompletedPattern(), withDetail(sagemaker, { TrainingJobStatus: 'InProgress' }))).toBe(false);
    expect(matchesEventPattern(bedrockCustomizationJobCompletedPattern(), withDetail(bedrock, { jobStatus: 'Failed' }))).toBe(false);
  });

  it('accepts the documented sample shapes: epoch-millisecond strings, empty tags, a Key/Value tag list', () => {
    expect(parse(withDetail(sagemaker, { CreationTime: '1583831889050', Tags: {} }))).toBeDefined();
    expect(parse(withDetail(sagemaker, { Tags: [{ Key: 'team', Value: 'support' }] }))).toBeDefined();
  });

  it('parses only training job events, naming a wrong field', () => {
    expect(parseTrainingJobStateChange({ source: 'aws.s3', 'detail-type': 'Object Created', detail: {} })).toBeUndefined();
    expect(() => parseTrainingJobStateChange(withDetail(bedrock, { jobName: 42 }))).toThrow(new TrainingJobMappingError('detail.jobName', 'Invalid input: expected string, received number'));
  });
});

describe('toCheckpointReady: Bedrock', () => {
  it('maps a completed job of a registered run to its final checkpoint on the custom model', async () => {
    const { lookup, asked } = lookupOf({ 'bedrock:support-bot-7': config('support-bot-7', { trainingJob: { bedrockJobName: 'support-bot-7' } }) }, 2400);
    const mapped = await toCheckpointReady(parse(withDetail(bedrock, { trainingMetrics: { trainingLoss: 0.29 } })), lookup);
    expect(asked).toEqual([{ provider: 'bedrock', jobName: 'support-bot-7', tags: {} }]);
    expect(mapped).toEqual({
      kind: 'checkpoint',
      detail: {
        runId: 'support-bot-7',
        checkpoint: 'support-bot-7',
        step: 2400,
        candidateModel: 'bedrock:arn:aws:bedrock:us-east-1:123456789012:custom-model/meta.llama3-1-8b-instruct-v1:0/f6e5d4c3b2a1',
        trainingLoss: 0.29,
        final: true,
      },
    });
  });

  it('uses the run template when it has one (a provisioned or imported model)', async () => {
    const run = config('support-bot-7', { candidateModelTemplate: 'bedrock:arn:aws:bedrock:us-east-1:123456789012:provisioned-model/{outputModelName}#family=meta' });
    const mapped = await toCheckpointReady(parse(bedrock), lookupOf({ 'bedrock:support-bot-7': run }).lookup);
    expect(mapped.kind === 'checkpoint' && mapped.detail).toMatchObject({
      candidateModel: 'bedrock:arn:aws:bedrock:us-east-1:123456789012:provisioned-model/support-bot-7#family=meta',
      step: 0,
    });
  });

  it('ignores jobs that did not complete and jobs of no registered run', async () => {
    const { lookup, asked } = lookupOf({});
    expect(await toCheckpointReady(parse(withDetail(bedrock, { jobStatus: 'Failed' })), lookup)).toEqual({ kind: 'ignored', reason: 'Bedrock job support-bot-7 is Failed, not Completed' });
    expect(asked).toEqual([]);
    expect(await toCheckpointReady(parse(bedrock), lookup)).toEqual({ kind: 'ignored', reason: 'no run is registered for Bedrock job support-bot-7' });
  });

  it('names the missing output model', async () => {
    const { outputModelArn: _arn, ...detail } = bedrock.detail;
    const { lookup } = lookupOf({ 'bedrock:support-bot-7': config('support-bot-7') });
    await expect(toCheckpointReady(parse({ ...bedrock, detail }), lookup)).rejects.toMatchObject({ field: 'detail.outputModelArn' });
  });
});

describe('toCheckpointReady: SageMaker', () => {
  const template = 'openai:{jobName}#family=meta';

  it('maps a completed job through the run template, with the named loss metric', async () => {
    const run = config('support-bot-8', { candidateModelTemplate: template, trainingJob: { sagemakerJobName: 'support-bot-8-sft', lossMetricName: 'train:loss' } });
    const { lookup, asked } = lookupOf({ 'sagemaker:support-bot-8-sft': run }, 900);
    const mapped = await toCheckpointReady(parse(sagemaker), lookup);
    expect(asked[0]).toEqual({ provider: 'sagemaker', jobName: 'support-bot-8-sft', tags: { 'finegate-run-id': 'support-bot-8' } });
    expect(mapped).toEqual({
      kind: 'checkpoint',
      detail: { runId: 'support-bot-8', checkpoint: 'support-bot-8-sft', step: 900, candidateModel: 'openai:support-bot-8-sft#family=meta', trainingLoss: 0.318, final: true },
    });
  });

  it('finds the run by the job tag, and fills {modelArtifacts}', async () => {
    const run = config('support-bot-8', { candidateModelTemplate: 'replay:{modelArtifacts}' });
    const mapped = await toCheckpointReady(parse(sagemaker), lookupOf({ 'tag:support-bot-8': run }).lookup);
    expect(mapped.kind === 'checkpoint' && mapped.detail.candidateModel).toBe('replay:s3://training-output/support-bot-8/support-bot-8-sft/output/model.tar.gz');
    expect(mapped.kind === 'checkpoint' && mapped.detail.trainingLoss).toBeUndefined();
  });

  it('refuses a run without a template: model.tar.gz is not a model to call', async () => {
    const { lookup } = lookupOf({ 'sagemaker:support-bot-8-sft': config('support-bot-8') });
    const error = await toCheckpointReady(parse(sagemaker), lookup).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrainingJobMappingError);
    expect(error).toMatchObject({ field: 'candidateModelTemplate', message: expect.stringMatching(/run support-bot-8 has none.*model\.tar\.gz/) });
  });

  it('refuses a template using what a SageMaker job does not provide', async () => {
    const { lookup } = lookupOf({ 'sagemaker:support-bot-8-sft': config('support-bot-8', { candidateModelTemplate: 'bedrock:{outputModelArn}' }) });
    await expect(toCheckpointReady(parse(sagemaker), lookup)).rejects.toMatchObject({ field: 'candidateModelTemplate' });
  });

  it('ignores a job still in progress without looking it up', async () => {
    const { lookup, asked } = lookupOf({});
    expect(await toCheckpointReady(parse(withDetail(sagemaker, { TrainingJobStatus: 'InProgress' })), lookup)).toMatchObject({ kind: 'ignored' });
    expect(asked).toEqual([]);
  });
});
