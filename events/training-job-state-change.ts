import * as z from 'zod';
import { fillCandidateTemplate, type RunConfig } from '../functions/runs/run-config';
import { checkpointReadyDetailSchema, type CheckpointReadyDetail } from './checkpoint-ready';
import { SOURCES, type EventPatternJson } from './event-sources';

/*
 * Native training-job events, as SageMaker and Bedrock send them to the default bus, and their mapping to a
 * Checkpoint Ready. A completed job is its run's final checkpoint:
 *   runId          the run whose configuration names the job (trainingJob.sagemakerJobName / bedrockJobName), or,
 *                  for SageMaker, the job's `finegate-run-id` tag
 *   checkpoint     the job name (both services' job-name rules fit the checkpoint-name rule)
 *   step           the highest step in the run's history (the final model is the state at the end of training,
 *                  at or after the last checkpoint reported), 0 when the run reported none
 *   candidateModel the run's candidateModelTemplate, filled with {runId} {jobName} {modelArtifacts}
 *                  {outputModelArn} {outputModelName}; without one, a Bedrock job's `bedrock:<outputModelArn>`.
 *                  A SageMaker job needs the template: its model.tar.gz is not something finegate can call, so the
 *                  run must say where the job's model is served (an endpoint behind an OpenAI-compatible server,
 *                  recorded predictions, …)
 *   trainingLoss   Bedrock's trainingMetrics.trainingLoss, or SageMaker's final metric named by
 *                  trainingJob.lossMetricName, when present
 *   final          true; `promote` is left unset, for the gate's own rule about final checkpoints
 * Other statuses (InProgress, Failed, Stopped…) and jobs of no registered run are ignored, not errors: the rules
 * see every training job in the account.
 */

export const SAGEMAKER_TRAINING_JOB_STATE_CHANGE = 'SageMaker Training Job State Change';
export const BEDROCK_MODEL_CUSTOMIZATION_JOB_STATE_CHANGE = 'Model Customization Job State Change';

/** A SageMaker job tagged with this key names its run without a registration entry. */
export const RUN_ID_TAG = 'finegate-run-id';

// Native events carry many more fields than finegate reads, and AWS adds fields: objects are loose.
const envelope = {
  version: z.string().optional(),
  id: z.string().optional(),
  account: z.string().optional(),
  time: z.string().optional(),
  region: z.string().optional(),
  resources: z.array(z.string()).optional(),
};

export const sagemakerTrainingJobStateChangeSchema = z.looseObject({
  ...envelope,
  source: z.literal(SOURCES.sagemaker),
  'detail-type': z.literal(SAGEMAKER_TRAINING_JOB_STATE_CHANGE),
  detail: z.looseObject({
    TrainingJobName: z.string().min(1),
    TrainingJobArn: z.string().optional(),
    /** InProgress | Completed | Failed | Stopping | Stopped */
    TrainingJobStatus: z.string().min(1),
    SecondaryStatus: z.string().optional(),
    FailureReason: z.string().optional(),
    ModelArtifacts: z.looseObject({ S3ModelArtifacts: z.string().min(1) }).optional(),
    FinalMetricDataList: z.array(z.looseObject({ MetricName: z.string(), Value: z.number() })).optional(),
    HyperParameters: z.record(z.string(), z.string()).optional(),
    // A map in the documented samples; the API's own shape, a Key/Value list, is accepted too.
    Tags: z.union([z.record(z.string(), z.string()), z.array(z.looseObject({ Key: z.string(), Value: z.string() }))]).optional(),
  }),
});
export type SageMakerTrainingJobStateChange = z.infer<typeof sagemakerTrainingJobStateChangeSchema>;

export const bedrockModelCustomizationJobStateChangeSchema = z.looseObject({
  ...envelope,
  source: z.literal(SOURCES.bedrock),
  'detail-type': z.literal(BEDROCK_MODEL_CUSTOMIZATION_JOB_STATE_CHANGE),
  detail: z.looseObject({
    version: z.string().optional(),
    jobName: z.string().min(1),
    jobArn: z.string().min(1),
    outputModelName: z.string().optional(),
    outputModelArn: z.string().optional(),
    /** InProgress | Completed | Failed | Stopping | Stopped (the field is jobStatus, not status) */
    jobStatus: z.string().min(1),
    failureMessage: z.string().optional(),
    baseModelArn: z.string().optional(),
    trainingMetrics: z.looseObject({ trainingLoss: z.number().optional() }).optional(),
  }),
});
export type BedrockModelCustomizationJobStateChange = z.infer<typeof bedrockModelCustomizationJobStateChangeSchema>;

export type TrainingJobStateChange = SageMakerTrainingJobStateChange | BedrockModelCustomizationJobStateChange;

/** Completed SageMaker training jobs: the rule gate-start listens to on the default bus. */
export function sagemakerTrainingJobCompletedPattern(): EventPatternJson {
  return { source: [SOURCES.sagemaker], 'detail-type': [SAGEMAKER_TRAINING_JOB_STATE_CHANGE], detail: { TrainingJobStatus: ['Completed'] } };
}

/** Completed Bedrock model customization jobs. */
export function bedrockCustomizationJobCompletedPattern(): EventPatternJson {
  return { source: [SOURCES.bedrock], 'detail-type': [BEDROCK_MODEL_CUSTOMIZATION_JOB_STATE_CHANGE], detail: { jobStatus: ['Completed'] } };
}

export interface TrainingJobRef {
  provider: 'sagemaker' | 'bedrock';
  jobName: string;
  tags: Record<string, string>;
}

export interface TrainingJobRun {
  runId: string;
  config: RunConfig;
  /** Highest step in the run's checkpoint history. */
  lastStep?: number;
}

/** Finds the registered run a job belongs to. */
export type RunLookup = (job: TrainingJobRef) => Promise<TrainingJobRun | undefined>;

export type TrainingJobMapping = { kind: 'checkpoint'; detail: CheckpointReadyDetail } | { kind: 'ignored'; reason: string };

/** A job of a registered run that cannot become a Checkpoint Ready; names the field at fault. */
export class TrainingJobMappingError extends Error {
  override readonly name = 'TrainingJobMappingError';
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

/** Parses a native training-job event; throws naming the first wrong field. Returns undefined for other events. */
export function parseTrainingJobStateChange(event: unknown): TrainingJobStateChange | undefined {
  const e = event as { source?: unknown; 'detail-type'?: unknown } | null;
  const schema =
    e?.source === SOURCES.sagemaker && e['detail-type'] === SAGEMAKER_TRAINING_JOB_STATE_CHANGE
      ? sagemakerTrainingJobStateChangeSchema
      : e?.source === SOURCES.bedrock && e['detail-type'] === BEDROCK_MODEL_CUSTOMIZATION_JOB_STATE_CHANGE
        ? bedrockModelCustomizationJobStateChangeSchema
        : undefined;
  if (!schema) return undefined;
  const parsed = schema.safeParse(event);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new TrainingJobMappingError(issue.path.join('.') || '(root)', issue.message);
  }
  return parsed.data as TrainingJobStateChange;
}

/** The Checkpoint Ready a completed job stands for, or why the event is ignored. */
export async function toCheckpointReady(event: TrainingJobStateChange, runLookup: RunLookup): Promise<TrainingJobMapping> {
  if (event.source === SOURCES.sagemaker) {
    const d = (event as SageMakerTrainingJobStateChange).detail;
    if (d.TrainingJobStatus !== 'Completed') return { kind: 'ignored', reason: `SageMaker job ${d.TrainingJobName} is ${d.TrainingJobStatus}, not Completed` };
    const run = await runLookup({ provider: 'sagemaker', jobName: d.TrainingJobName, tags: tagMap(d.Tags) });
    if (!run) return { kind: 'ignored', reason: `no run is registered for SageMaker job ${d.TrainingJobName}` };
    const template = run.config.candidateModelTemplate;
    if (template === undefined) {
      throw new TrainingJobMappingError(
        'candidateModelTemplate',
        `run ${run.runId} has none, and SageMaker job ${d.TrainingJobName}'s model artifacts (${d.ModelArtifacts?.S3ModelArtifacts ?? 'model.tar.gz'}) are not a model finegate can call; register the run with a template naming where the job's model is served, e.g. "openai:{jobName}#family=meta"`,
      );
    }
    const lossMetric = run.config.trainingJob?.lossMetricName;
    const trainingLoss = lossMetric ? d.FinalMetricDataList?.find((m) => m.MetricName === lossMetric)?.Value : undefined;
    const candidateModel = fill(template, { runId: run.runId, jobName: d.TrainingJobName, modelArtifacts: d.ModelArtifacts?.S3ModelArtifacts });
    return checkpoint(run, d.TrainingJobName, candidateModel, trainingLoss);
  }

  const d = (event as BedrockModelCustomizationJobStateChange).detail;
  if (d.jobStatus !== 'Completed') return { kind: 'ignored', reason: `Bedrock job ${d.jobName} is ${d.jobStatus}, not Completed` };
  const run = await runLookup({ provider: 'bedrock', jobName: d.jobName, tags: {} });
  if (!run) return { kind: 'ignored', reason: `no run is registered for Bedrock job ${d.jobName}` };
  const template = run.config.candidateModelTemplate;
  if (template === undefined && !d.outputModelArn) throw new TrainingJobMappingError('detail.outputModelArn', `completed Bedrock job ${d.jobName} names no output model`);
  const candidateModel =
    template === undefined
      ? `bedrock:${d.outputModelArn}`
      : fill(template, { runId: run.runId, jobName: d.jobName, outputModelArn: d.outputModelArn, outputModelName: d.outputModelName });
  return checkpoint(run, d.jobName, candidateModel, d.trainingMetrics?.trainingLoss);
}

function tagMap(tags: SageMakerTrainingJobStateChange['detail']['Tags']): Record<string, string> {
  if (tags === undefined) return {};
  return Array.isArray(tags) ? Object.fromEntries(tags.map((t) => [t.Key, t.Value])) : tags;
}

function fill(template: string, values: Parameters<typeof fillCandidateTemplate>[1]): string {
  try {
    return fillCandidateTemplate(template, values);
  } catch (error) {
    throw new TrainingJobMappingError('candidateModelTemplate', (error as Error).message);
  }
}

function checkpoint(run: TrainingJobRun, jobName: string, candidateModel: string, trainingLoss: number | undefined): TrainingJobMapping {
  const parsed = checkpointReadyDetailSchema.safeParse({
    runId: run.runId,
    checkpoint: jobName,
    step: run.lastStep ?? 0,
    candidateModel,
    ...(trainingLoss !== undefined ? { trainingLoss } : {}),
    final: true,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new TrainingJobMappingError(issue.path.join('.') || '(root)', issue.message);
  }
  return { kind: 'checkpoint', detail: parsed.data };
}
