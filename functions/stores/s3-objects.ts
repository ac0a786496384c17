import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { s3Client } from './aws-clients';
import { parseS3Uri, s3Uri } from './s3-uri';

/*
 * Objects in S3 as the gates, the CLI and the readers of held-out sets use them: bytes, text, JSON lines.
 * (The audit's large artifacts stream through s3-artifact-sink.ts instead.)
 */

export async function putObject(bucket: string, key: string, body: string | Uint8Array, options: { contentType?: string; metadata?: Record<string, string> } = {}): Promise<string> {
  await s3Client().send(
    new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ...(options.contentType ? { ContentType: options.contentType } : {}), ...(options.metadata ? { Metadata: options.metadata } : {}) }),
  );
  return s3Uri(bucket, key);
}

export async function getBytes(uri: string): Promise<Buffer> {
  const { bucket, key } = parseS3Uri(uri);
  const out = await s3Client().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!out.Body) throw new Error(`empty body for ${uri}`);
  return Buffer.from(await out.Body.transformToByteArray());
}

/** Per-item results of the gates, as JSON lines. */
export async function putJsonl(bucket: string, key: string, rows: readonly unknown[]): Promise<string> {
  return putObject(bucket, key, rows.map((r) => JSON.stringify(r)).join('\n') + '\n', { contentType: 'application/x-ndjson' });
}

export async function getJsonl<T>(uri: string): Promise<T[]> {
  const text = await getText(uri);
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as T);
}

export async function putText(bucket: string, key: string, body: string, contentType: string): Promise<string> {
  return putObject(bucket, key, body, { contentType });
}

export async function getText(uri: string): Promise<string> {
  return (await getBytes(uri)).toString('utf8');
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
