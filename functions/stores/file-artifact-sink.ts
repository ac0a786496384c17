import { createWriteStream, mkdirSync } from 'node:fs';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import type { ArtifactSink, ArtifactWriter } from '../audit/audit-ports';

/** Audit artifacts in a local folder (the CLI's --out). */
export class FileArtifactSink implements ArtifactSink {
  readonly dir: string;
  constructor(dir: string) {
    this.dir = resolve(dir);
    mkdirSync(this.dir, { recursive: true });
  }

  open(name: string): ArtifactWriter {
    const path = join(this.dir, name);
    const stream = createWriteStream(path);
    const closed = once(stream, 'close');
    closed.catch(() => undefined);
    return {
      uri: path,
      stream,
      done: async () => {
        if (!stream.writableFinished) stream.end();
        await closed;
      },
    };
  }
}
