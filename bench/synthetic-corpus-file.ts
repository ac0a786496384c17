import { createWriteStream, statSync } from 'node:fs';
import { once } from 'node:events';
import { syntheticCorpus } from '../infra/demo/synthetic-corpus';

/** Writes a synthetic labelled chat corpus of `rows` JSONL lines to `path` (seed 99, as every benchmark uses); returns its size in bytes. */
export async function writeSyntheticCorpusFile(path: string, rows: number, rowChars: number): Promise<number> {
  const out = createWriteStream(path);
  for (const line of syntheticCorpus({ rows, seed: 99, rowChars })) {
    if (!out.write(line + '\n')) await once(out, 'drain');
  }
  out.end();
  await once(out, 'close');
  return statSync(path).size;
}
