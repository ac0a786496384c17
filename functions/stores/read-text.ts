import { readFile } from 'node:fs/promises';
import { getText } from './s3-objects';

/** The text of an s3:// object or a local file: held-out sets, recorded outputs, suite extensions. */
export async function readText(uri: string): Promise<string> {
  return uri.startsWith('s3://') ? getText(uri) : readFile(uri, 'utf8');
}
