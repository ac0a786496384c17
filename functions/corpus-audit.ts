import { randomUUID } from 'node:crypto';
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { s3ObjectCreatedSchema } from '../events/s3-object-created';
import type { CorpusAuditedDetail } from '../events/corpus-audited';
import { parseAuditConfig } from './audit/audit-config';
import { runAuditJob } from './audit/audit-job';
import { relabelerFor } from './audit/model-relabeler';
import { createEmbedder } from './stores/embedder-factory';
import { DynamoVerdictStore } from './stores/dynamo-verdict-store';
import { idempotencyPersistence } from './stores/idempotency-persistence';
import { EventBridgePublisher } from './stores/eventbridge-publisher';
import { S3ArtifactSink } from './stores/s3-artifact-sink';
import { S3CorpusSource } from './stores/s3-corpus-source';
import { parseS3Uri } from './stores/s3-uri';
import { corpusAuditedDetail } from './audit/corpus-audited-detail';
import { publishAudited, recordAuditVerdict } from './audit/audit-verdict-record';
import { corpusVerdictKey, corpusSubject } from './audit/corpus-identity';
import { SHARDED_AUDIT_STATE_MACHINE_ENV, shardedAuditHandoff, shouldShard } from './audit/shard-handoff';
import { SfnExecutionStarter } from './stores/sfn-execution-starter';

const logger = new Logger({ serviceName: 'finegate' });
const metrics = new Metrics({ namespace: 'finegate', serviceName: 'finegate' });

/** S3 user metadata naming the corpus's held-out set. */
export const HELDOUT_METADATA = 'finegate-heldout';

const envSchema = z.object({
  ARTIFACTS_BUCKET: z.string().min(1),
  ARTIFACTS_PREFIX: z.string().default('audits/'),
  VERDICTS_TABLE: z.string().min(1),
  IDEMPOTENCY_TABLE: z.string().min(1),
  EVENT_BUS_NAME: z.string().min(1),
  CORPUS_PREFIX: z.string().default('corpora/'),
  AUDIT_CONFIG: z.string().optional(),
});

interface CorpusObject {
  bucket: string;
  key: string;
  versionId?: string;
  etag?: string;
}

/** The audit of one corpus object; idempotent on (bucket, key, version or ETag). */
let deadline: (() => number) | undefined;

/** What the audit answers: the audited corpus, or where a corpus too large for one Lambda went. */
type AuditOutcome = CorpusAuditedDetail | { shardedAudit: { executionArn: string; size?: number } };

async function auditObject(object: CorpusObject): Promise<AuditOutcome> {
  const env = envSchema.parse(process.env);
  const config = parseAuditConfig(env.AUDIT_CONFIG ? JSON.parse(env.AUDIT_CONFIG) : {});
  const verdicts = new DynamoVerdictStore(env.VERDICTS_TABLE);
  const subject = corpusSubject(object.bucket, object.key);
  const verdictKey = corpusVerdictKey(object);

  // A verdict that already exists is the durable answer to a redelivery that outlived the idempotency record; its
  // event is published again only if the first attempt stopped between writing the verdict and publishing.
  const existing = await verdicts.get(subject, verdictKey);
  if (existing) {
    const detail = existing.summary as unknown as CorpusAuditedDetail;
    if (existing.publishedAt === undefined) await publishAudited({ verdicts, events: new EventBridgePublisher(env.EVENT_BUS_NAME) }, detail, subject, verdictKey);
    logger.info('corpus already audited', { subject, verdictKey, verdict: existing.verdict, republished: existing.publishedAt === undefined });
    return detail;
  }

  const auditId = randomUUID();
  const source = new S3CorpusSource(object.bucket, object.key, { versionId: object.versionId, etag: object.etag });
  const { metadata, size } = await source.resolve();
  // A corpus names its own held-out set with object metadata (x-amz-meta-finegate-heldout: s3://…).
  const heldoutUri = metadata[HELDOUT_METADATA] ?? config.leakage.heldoutUri;
  if (heldoutUri) config.leakage.heldoutUri = heldoutUri;
  const heldout = heldoutUri ? new S3CorpusSource(parseS3Uri(heldoutUri).bucket, parseS3Uri(heldoutUri).key) : undefined;
  const artifactsPrefix = `${env.ARTIFACTS_PREFIX}${object.bucket}/${object.key}/${verdictKey.replace(/^version#/, '')}/`;
  if (shouldShard(size, process.env, { gzip: /\.gz$/i.test(object.key) })) {
    // Beyond one Lambda: the sharded audit's reduce writes the same artifacts, verdict and event.
    const handoff = shardedAuditHandoff({
      auditId,
      now: new Date(),
      subject,
      verdictKey,
      corpus: { bucket: object.bucket, key: object.key, ...(source.versionId ? { versionId: source.versionId } : {}), ...(source.etag ? { etag: source.etag } : {}) },
      artifacts: { bucket: env.ARTIFACTS_BUCKET, prefix: artifactsPrefix },
      config,
    });
    const started = await new SfnExecutionStarter(process.env[SHARDED_AUDIT_STATE_MACHINE_ENV]!).start(handoff.name, handoff.input);
    logger.info('corpus handed to the sharded audit', { subject, size, executionArn: started.executionArn, duplicate: !started.started });
    return { shardedAudit: { executionArn: started.executionArn, size } };
  }
  const sink = new S3ArtifactSink(env.ARTIFACTS_BUCKET, artifactsPrefix);
  const embedder = config.paraphrase.model ? createEmbedder(config.paraphrase.model, config.paraphrase.dimensions) : undefined;
  // Leave a minute before Lambda's timeout: an aborted paraphrase pass is reported INCONCLUSIVE instead of lost.
  const signal = deadline ? AbortSignal.timeout(Math.max(1000, deadline() - 60_000)) : undefined;
  const report = await runAuditJob({ auditId, source, heldout, sink, config, relabeler: relabelerFor(config), embedder, signal });
  report.corpus.versionId = object.versionId;
  report.corpus.etag = object.etag;

  const detail = corpusAuditedDetail(report, { uri: source.uri, bucket: object.bucket, key: object.key, versionId: object.versionId, etag: object.etag });
  await recordAuditVerdict({ verdicts, events: new EventBridgePublisher(env.EVENT_BUS_NAME) }, { subject, verdictKey, report, detail });
  // Low-cardinality dimensions only: the verdict, never the corpus key.
  metrics.addDimension('Verdict', report.verdict);
  metrics.addMetric('CorpusRowsAudited', MetricUnit.Count, report.counts.rows);
  metrics.addMetric('CorpusRowsQuarantined', MetricUnit.Count, report.counts.quarantined);
  metrics.addMetric('CorpusAuditDuration', MetricUnit.Milliseconds, report.performance.durationMs);
  logger.info('corpus audited', { subject, verdict: report.verdict, counts: report.counts, reasons: report.reasons.slice(0, 5) });
  return detail;
}

let idempotentAudit: ((object: CorpusObject) => Promise<AuditOutcome>) | undefined;
let idempotencyConfig: IdempotencyConfig | undefined;

function idempotent(tableName: string) {
  if (!idempotentAudit) {
    idempotencyConfig = new IdempotencyConfig({ expiresAfterSeconds: 7 * 24 * 3600 });
    idempotentAudit = makeIdempotent(auditObject, {
      persistenceStore: idempotencyPersistence(tableName),
      config: idempotencyConfig,
    });
  }
  return { run: idempotentAudit, config: idempotencyConfig! };
}

export const handler = middy(async (event: unknown, context: Context): Promise<AuditOutcome> => {
  const parsed = s3ObjectCreatedSchema.safeParse(event);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`rejected event: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  const env = envSchema.parse(process.env);
  const { bucket, object } = parsed.data.detail;
  const key = object.key;
  if (!key.startsWith(env.CORPUS_PREFIX)) throw new Error(`rejected event: detail.object.key ${key} is outside the corpus prefix ${env.CORPUS_PREFIX}`);
  const { run, config } = idempotent(env.IDEMPOTENCY_TABLE);
  config.registerLambdaContext(context);
  deadline = () => context.getRemainingTimeInMillis();
  return run({ bucket: bucket.name, key, versionId: object['version-id'], etag: object.etag });
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
