import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import type { CorpusAuditedDetail } from '../events/corpus-audited';
import { parseAuditConfig } from './audit/audit-config';
import { writeReportFiles } from './audit/audit-report-files';
import { recordAuditVerdict } from './audit/audit-verdict-record';
import { corpusAuditedDetail } from './audit/corpus-audited-detail';
import { corpusSubject, corpusVerdictKey } from './audit/corpus-identity';
import { shardResultsOf, succeededResultKeys } from './audit/map-result-manifest';
import { relabelerFor } from './audit/model-relabeler';
import { reduceShards } from './audit/shard-reduce';
import { reduceInputSchema, shardedAuditInputSchema } from './audit/sharded-audit-job';
import { DynamoVerdictStore } from './stores/dynamo-verdict-store';
import { createEmbedder } from './stores/embedder-factory';
import { EventBridgePublisher } from './stores/eventbridge-publisher';
import { S3ArtifactSink } from './stores/s3-artifact-sink';
import { S3CorpusSource } from './stores/s3-corpus-source';
import { getText } from './stores/s3-objects';
import { S3ShardStore } from './stores/s3-shard-store';
import { parseS3Uri, s3Uri } from './stores/s3-uri';

const logger = new Logger({ serviceName: 'finegate' });
const metrics = new Metrics({ namespace: 'finegate', serviceName: 'finegate' });

const envSchema = z.object({
  VERDICTS_TABLE: z.string().min(1),
  EVENT_BUS_NAME: z.string().min(1),
});

/**
 * Reduce (sharded audit): reads the shard map's ResultWriter manifest, replays the shards in line order through the
 * single audit's decisions, writes pass 2's artifacts and the reports, then the verdict and "Corpus Audited", as the
 * corpus-audit function does for a corpus it audits alone.
 */
export const handler = middy(async (event: unknown, context: Context): Promise<CorpusAuditedDetail> => {
  const env = envSchema.parse(process.env);
  const input = reduceInputSchema.parse(event);
  const job = shardedAuditInputSchema.parse(JSON.parse(await getText(input.planned.job)));
  const config = parseAuditConfig(job.config);

  const writer = input.map.ResultWriterDetails;
  const { bucket: resultsBucket, keys } = succeededResultKeys(JSON.parse(await getText(s3Uri(writer.Bucket, writer.Key))));
  const files = await Promise.all(keys.map(async (k) => JSON.parse(await getText(s3Uri(resultsBucket, k))) as unknown));
  const results = shardResultsOf(files, input.planned.shards);

  const { bucket, key, versionId, etag } = job.corpus;
  const source = new S3CorpusSource(bucket, key, { versionId, etag });
  const heldoutUri = config.leakage.heldoutUri;
  const heldout = heldoutUri ? new S3CorpusSource(parseS3Uri(heldoutUri).bucket, parseS3Uri(heldoutUri).key) : undefined;
  const sink = new S3ArtifactSink(job.artifacts.bucket, job.artifacts.prefix);
  const embedder = config.paraphrase.model ? createEmbedder(config.paraphrase.model, config.paraphrase.dimensions) : undefined;
  // Leave a minute before Lambda's timeout: an aborted paraphrase pass is reported INCONCLUSIVE instead of lost.
  const signal = AbortSignal.timeout(Math.max(1000, context.getRemainingTimeInMillis() - 60_000));
  const { report, reduce } = await reduceShards({
    auditId: job.auditId,
    source,
    heldout,
    sink,
    config,
    store: new S3ShardStore(results),
    startedAt: new Date(job.startedAt),
    relabeler: relabelerFor(config),
    embedder,
    signal,
  });
  report.corpus.versionId = versionId;
  report.corpus.etag = etag;
  await writeReportFiles(sink, report);

  const detail = corpusAuditedDetail(report, { uri: source.uri, bucket, key, versionId, etag });
  const subject = corpusSubject(bucket, key);
  // A retried reduce that finds its verdict written publishes the event only if the first attempt never did.
  await recordAuditVerdict(
    { verdicts: new DynamoVerdictStore(env.VERDICTS_TABLE), events: new EventBridgePublisher(env.EVENT_BUS_NAME) },
    { subject, verdictKey: corpusVerdictKey({ versionId, etag }), report, detail },
  );
  metrics.addDimension('Verdict', report.verdict);
  metrics.addMetric('CorpusRowsAudited', MetricUnit.Count, report.counts.rows);
  metrics.addMetric('CorpusRowsQuarantined', MetricUnit.Count, report.counts.quarantined);
  metrics.addMetric('CorpusAuditDuration', MetricUnit.Milliseconds, report.performance.durationMs);
  metrics.addMetric('CorpusAuditShards', MetricUnit.Count, reduce.shards);
  logger.info('corpus audited (sharded)', { subject, verdict: report.verdict, counts: report.counts, reduce, reasons: report.reasons.slice(0, 5) });
  return detail;
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
