import * as z from 'zod';
import { SOURCES, type EventPatternJson } from './event-sources';

export const S3_OBJECT_CREATED = 'Object Created';

/** S3 "Object Created" as S3 delivers it to EventBridge (bucket notifications with EventBridge enabled). */
export const s3ObjectCreatedSchema = z.object({
  version: z.string().optional(),
  id: z.string(),
  'detail-type': z.literal(S3_OBJECT_CREATED),
  source: z.literal(SOURCES.s3),
  account: z.string().optional(),
  time: z.string(),
  region: z.string().optional(),
  resources: z.array(z.string()).optional(),
  detail: z.object({
    version: z.string().optional(),
    bucket: z.object({ name: z.string().min(1) }),
    object: z.object({
      key: z.string().min(1),
      size: z.number().int().nonnegative().optional(),
      etag: z.string().optional(),
      'version-id': z.string().optional(),
      sequencer: z.string().optional(),
    }),
    'request-id': z.string().optional(),
    requester: z.string().optional(),
    reason: z.string().optional(),
  }),
});
export type S3ObjectCreated = z.infer<typeof s3ObjectCreatedSchema>;

/** The rule that starts a corpus audit: an object created under the corpus prefix of the corpora bucket. */
export function corpusUploadedPattern(bucketName: string, prefix: string): EventPatternJson {
  return {
    source: [SOURCES.s3],
    'detail-type': [S3_OBJECT_CREATED],
    detail: {
      bucket: { name: [bucketName] },
      object: { key: prefix === '' ? [{ exists: true }] : [{ prefix }] },
    },
  };
}
