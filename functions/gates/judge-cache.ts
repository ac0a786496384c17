import { createHash } from 'node:crypto';
import { toModelRef } from '../models/model-ref';

/*
 * Same eval, same judge, same answer: no second call, no drifting verdict. A judgement is cached under the hash of
 * (rubric version, judge model, input hash, output hash[, second output hash]) — for a pair, both outputs in the
 * order they were judged, since position is part of what the judge saw.
 */

export interface JudgeCacheKeyParts {
  rubricVersion: string;
  /** A model reference; its canonical form is hashed, so spellings of one model share entries. */
  judgeModel: string;
  inputHash: string;
  /** One output (rubric scoring) or two in judged order (pairwise). */
  outputHashes: readonly [string] | readonly [string, string] | readonly string[];
}

/** The cache key: sha256 hex of the tuple's canonical JSON. */
export function judgeCacheKey(parts: JudgeCacheKeyParts): string {
  const { rubricVersion, judgeModel, inputHash, outputHashes } = parts;
  if (rubricVersion === '') throw new Error('judge cache key: rubricVersion is empty');
  if (inputHash === '') throw new Error('judge cache key: inputHash is empty');
  if (outputHashes.length < 1 || outputHashes.length > 2) throw new Error(`judge cache key: expected one or two output hashes, got ${outputHashes.length}`);
  if (outputHashes.some((h) => h === '')) throw new Error('judge cache key: an output hash is empty');
  const tuple = [rubricVersion, toModelRef(judgeModel).id, inputHash, ...outputHashes];
  return createHash('sha256').update(JSON.stringify(tuple)).digest('hex');
}

/** Cached judgements by key. The first answer stored for a key is the answer: later puts do not replace it. */
export interface JudgeCache {
  /** The stored judgement (as JSON was given to put), or undefined when there is none or it expired. */
  get(key: string): Promise<unknown>;
  /** Stores a judgement unless the key already has one; returns whether this call stored it. */
  put(key: string, result: unknown): Promise<boolean>;
}
