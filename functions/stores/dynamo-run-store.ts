import { BatchGetCommand, type BatchGetCommandOutput, GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoDocumentClient } from './aws-clients';
import { runConfigHash, type RunConfig } from '../runs/run-config';
import {
  configDifferences,
  RunConflictError,
  type CheckpointHistoryEntry,
  type RunRecord,
  type RunRegistration,
  type RunStore,
  type TrainingJobProvider,
} from '../runs/run-record';

/*
 * Runs in DynamoDB (pk, sk):
 *   run#<runId>    config                                the pinned record (written once, conditionally)
 *   run#<runId>    checkpoint#<step, 10 digits>#<name>   history, in step order
 *   study#<study>  run#<runId>                           the study index
 *   job#<provider>#<jobName>  run                        which run a SageMaker/Bedrock job belongs to
 * The record, its study entry and its job claims are written in one transaction, so none exists without the others.
 */

const CONFIG_SK = 'config';
const HISTORY_PREFIX = 'checkpoint#';

export const runKey = (runId: string) => `run#${runId}`;
export const studyKey = (study: string) => `study#${study}`;
export const trainingJobKey = (provider: TrainingJobProvider, jobName: string) => `job#${provider}#${jobName}`;
export const historySortKey = (step: number, checkpoint: string) => `${HISTORY_PREFIX}${String(step).padStart(10, '0')}#${checkpoint}`;

export interface DynamoRunStoreOptions {
  now?: () => Date;
}

export class DynamoRunStore implements RunStore {
  private readonly now: () => Date;

  constructor(
    private readonly tableName: string,
    options: DynamoRunStoreOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
  }

  async register(config: RunConfig): Promise<RunRegistration> {
    const record: RunRecord = { runId: config.runId, config, configHash: runConfigHash(config), registeredAt: this.now().toISOString() };
    const jobs = trainingJobsOf(config);
    const items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']> = [
      { Put: { TableName: this.tableName, Item: toItem(record), ConditionExpression: 'attribute_not_exists(pk)' } },
      ...jobs.map((job) => ({
        Put: {
          TableName: this.tableName,
          Item: { pk: trainingJobKey(job.provider, job.jobName), sk: 'run', runId: config.runId },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      })),
      ...(config.study
        ? [{ Put: { TableName: this.tableName, Item: { pk: studyKey(config.study), sk: runKey(config.runId), runId: config.runId, configHash: record.configHash, registeredAt: record.registeredAt } } }]
        : []),
    ];
    for (let attempt = 1; ; attempt++) {
      try {
        await dynamoDocumentClient().send(new TransactWriteCommand({ TransactItems: items }));
        return { created: true, record };
      } catch (error) {
        const reasons = cancellationCodes(error);
        if (!reasons) throw error;
        // A concurrent write to the same items cancels with TransactionConflict: retry, and the loser sees the winner.
        if (reasons.includes('TransactionConflict') && attempt < 5) {
          await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
          continue;
        }
        return await this.settleRefusal(config, record, jobs, reasons, error);
      }
    }
  }

  /** Why a registration transaction was cancelled: an identical registration (no-op), a conflict, or neither. */
  private async settleRefusal(
    config: RunConfig,
    record: RunRecord,
    jobs: { provider: TrainingJobProvider; jobName: string }[],
    reasons: (string | undefined)[],
    error: unknown,
  ): Promise<RunRegistration> {
    // The run is already registered: the same configuration is a no-op, any other a conflict.
    if (reasons[0] === 'ConditionalCheckFailed') {
      const existing = await this.get(config.runId);
      if (!existing) throw error;
      if (existing.configHash === record.configHash) return { created: false, record: existing };
      throw new RunConflictError(config.runId, configDifferences(existing.config, config));
    }
    const claimed = jobs.find((_, i) => reasons[i + 1] === 'ConditionalCheckFailed');
    if (claimed) {
      const owner = await this.jobOwner(claimed.provider, claimed.jobName);
      const field = claimed.provider === 'sagemaker' ? 'trainingJob.sagemakerJobName' : 'trainingJob.bedrockJobName';
      throw new RunConflictError(config.runId, [field], `${claimed.provider} job ${claimed.jobName} is already registered to run ${owner ?? '(unknown)'}; ${field} must name a job of this run only`);
    }
    throw error;
  }

  async get(runId: string): Promise<RunRecord | undefined> {
    const out = await dynamoDocumentClient().send(new GetCommand({ TableName: this.tableName, Key: { pk: runKey(runId), sk: CONFIG_SK }, ConsistentRead: true }));
    return out.Item ? fromItem(out.Item) : undefined;
  }

  async listStudy(study: string): Promise<RunRecord[]> {
    const runIds = (await this.queryAll({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': studyKey(study) } })).map((item) => String(item.runId));
    const records: RunRecord[] = [];
    // BatchGetItem takes at most 100 keys and may hand some back unprocessed.
    for (let i = 0; i < runIds.length; i += 100) {
      let keys: Record<string, unknown>[] | undefined = runIds.slice(i, i + 100).map((runId) => ({ pk: runKey(runId), sk: CONFIG_SK }));
      for (let attempt = 0; keys && keys.length > 0; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
        const out: BatchGetCommandOutput = await dynamoDocumentClient().send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } } }));
        for (const item of out.Responses?.[this.tableName] ?? []) records.push(fromItem(item));
        keys = out.UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    return records.sort((a, b) => (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0));
  }

  async findByTrainingJob(provider: TrainingJobProvider, jobName: string): Promise<RunRecord | undefined> {
    const owner = await this.jobOwner(provider, jobName);
    return owner === undefined ? undefined : this.get(owner);
  }

  async appendCheckpoint(runId: string, entry: Omit<CheckpointHistoryEntry, 'recordedAt'> & { recordedAt?: string }): Promise<boolean> {
    const item = { pk: runKey(runId), sk: historySortKey(entry.step, entry.checkpoint), ...entry, recordedAt: entry.recordedAt ?? this.now().toISOString() };
    try {
      await dynamoDocumentClient().send(new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  async history(runId: string): Promise<CheckpointHistoryEntry[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': runKey(runId), ':prefix': HISTORY_PREFIX },
      ConsistentRead: true,
    });
    return items.map(({ pk: _pk, sk: _sk, ...entry }) => entry as unknown as CheckpointHistoryEntry);
  }

  async lastStep(runId: string): Promise<number | undefined> {
    const out = await dynamoDocumentClient().send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': runKey(runId), ':prefix': HISTORY_PREFIX },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const step = out.Items?.[0]?.step;
    return typeof step === 'number' ? step : undefined;
  }

  private async jobOwner(provider: TrainingJobProvider, jobName: string): Promise<string | undefined> {
    const out = await dynamoDocumentClient().send(new GetCommand({ TableName: this.tableName, Key: { pk: trainingJobKey(provider, jobName), sk: 'run' }, ConsistentRead: true }));
    return out.Item ? String(out.Item.runId) : undefined;
  }

  private async queryAll(query: Omit<ConstructorParameters<typeof QueryCommand>[0], 'TableName'>): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await dynamoDocumentClient().send(new QueryCommand({ TableName: this.tableName, ...query, ExclusiveStartKey: start }));
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }
}

function trainingJobsOf(config: RunConfig): { provider: TrainingJobProvider; jobName: string }[] {
  const jobs: { provider: TrainingJobProvider; jobName: string }[] = [];
  if (config.trainingJob?.sagemakerJobName) jobs.push({ provider: 'sagemaker', jobName: config.trainingJob.sagemakerJobName });
  if (config.trainingJob?.bedrockJobName) jobs.push({ provider: 'bedrock', jobName: config.trainingJob.bedrockJobName });
  return jobs;
}

/** The config is stored as JSON text: a record is read back exactly as pinned, whatever the marshaller makes of it. */
function toItem(record: RunRecord): Record<string, unknown> {
  return {
    pk: runKey(record.runId),
    sk: CONFIG_SK,
    runId: record.runId,
    ...(record.config.study ? { study: record.config.study } : {}),
    config: JSON.stringify(record.config),
    configHash: record.configHash,
    registeredAt: record.registeredAt,
  };
}

function fromItem(item: Record<string, unknown>): RunRecord {
  return { runId: String(item.runId), config: JSON.parse(String(item.config)) as RunConfig, configHash: String(item.configHash), registeredAt: String(item.registeredAt) };
}

/** The per-item cancellation codes of a cancelled transaction, or undefined for any other error. */
function cancellationCodes(error: unknown): (string | undefined)[] | undefined {
  const e = error as { name?: string; CancellationReasons?: { Code?: string }[] };
  if (e.name !== 'TransactionCanceledException' || !Array.isArray(e.CancellationReasons)) return undefined;
  return e.CancellationReasons.map((r) => r.Code);
}
