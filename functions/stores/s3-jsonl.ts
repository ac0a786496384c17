import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { s3Client } from './aws-clients';
import { parseS3Uri, s3Uri } from './s3-uri';

/** Per-item results and decision documents of the gates, as JSONL or JSON objects in the artifacts bucket. */
export async function putJsonl(bucket: string, key: string, rows: readonly unknown[]): Promise<string> {
  await s3Client().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: rows.map((r) => JSON.stringify(r)).join('\n') + '\n', ContentType: 'application/x-ndjson' }));
  return s3Uri(bucket, key);
}

export async function getJsonl<T>(uri: string): Promise<T[]> {
  const text = await getText(uri);
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as T);
}

export async function putText(bucket: string, key: string, body: string, contentType: string): Promise<string> {
  await s3Client().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
  return s3Uri(bucket, key);
}

export async function getText(uri: string): Promise<string> {
  const { bucket, key } = parseS3Uri(uri);
  const out = await s3Client().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!out.Body) throw new Error(`empty body for ${uri}`);
  return out.Body.transformToString('utf8');
}

/** The text of an object, or undefined when there is none. */
export async function getTextIfExists(uri: string): Promise<string | undefined> {
  try {
    return await getText(uri);
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'NoSuchKey' || name === 'NotFound') return undefined;
    throw error;
  }
}
