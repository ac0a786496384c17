import { randomUUID } from 'node:crypto';
import type { EventBridgeEvent } from './eventbridge-server';
import type { S3ObjectCreatedRecord } from './s3-server';

/**
 * The "Object Created" event S3 puts on the default bus for a bucket with EventBridge notifications on,
 * field for field as S3 shapes it (the key is not URL-encoded, unlike in S3's own notification records).
 */
export function s3ObjectCreatedEvent(record: S3ObjectCreatedRecord, where: { account: string; region: string; partition?: string }): EventBridgeEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: where.account,
    time: record.time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: where.region,
    resources: [`arn:${where.partition ?? 'aws'}:s3:::${record.bucket}`],
    detail: {
      version: '0',
      bucket: { name: record.bucket },
      object: {
        key: record.key,
        size: record.size,
        etag: record.etag,
        ...(record.versionId !== undefined ? { 'version-id': record.versionId } : {}),
        sequencer: record.sequencer,
      },
      'request-id': record.requestId,
      requester: where.account,
      'source-ip-address': record.sourceIpAddress,
      reason: record.reason,
    },
  };
}
