import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import type { CorpusSource } from '../audit/audit-ports';

/** A corpus on the local file system (the CLI's input). */
export class FileCorpusSource implements CorpusSource {
  constructor(readonly uri: string) {}

  async open(): Promise<AsyncIterable<Uint8Array>> {
    await access(this.uri);
    return createReadStream(this.uri, { highWaterMark: 1 << 20 });
  }
}
