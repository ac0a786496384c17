import { readFile } from 'node:fs/promises';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { s3Client } from './aws-clients';
import { parseS3Uri } from './s3-uri';

/** The text of an s3:// object or a local file: held-out sets, recorded outputs, suite extensions. */
export async function readText(uri: string): Promise<string> {
  if (!uri.startsWith('s3://')) return readFile(uri, 'utf8');
  const { bucket, key } = parseS3Uri(uri);
  const out = await s3Client().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!out.Body) throw new Error(`empty body for ${uri}`);
  return out.Body.transformToString('utf8');
}
