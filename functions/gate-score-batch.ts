import * as z from 'zod';
import type { DriftSuite } from './gates/drift-suite';
import { parseHeldoutSet, type HeldoutSet } from './gates/heldout-set';
import { parseCheck } from './gates/rubrics/registry';
import { scoreDriftItems, scoreHeldoutItems, type ItemResult } from './gates/score-items';
import { checkpointPrefix, gateEnvironment, gateStores, loadRunRecord } from './gate-context';
import { chatModel } from './gate-models';
import { loadShippedDriftSuite } from './stores/drift-suite-files';
import { readText } from './stores/read-text';
import { putJsonl } from './stores/s3-objects';

const inputSchema = z.object({
  runId: z.string().min(1),
  checkpoint: z.string().min(1),
  candidateModel: z.string().min(1),
  batch: z.object({ kind: z.enum(['heldout', 'drift']), axis: z.string().optional(), batch: z.number().int().nonnegative(), indices: z.array(z.number().int().nonnegative()).min(1) }),
});

// Warm containers keep what they read: the same held-out set and suite serve every batch of a run.
const heldoutSets = new Map<string, Promise<HeldoutSet>>();
const suites = new Map<string, Promise<DriftSuite>>();

/** ScoreBatch: the candidate (and, for drift, the base) answers one batch; per-item results go to the artifacts bucket. */
export const handler = async (event: unknown) => {
  const input = inputSchema.parse(event);
  const env = gateEnvironment();
  const { config } = await loadRunRecord(env, input.runId);
  const stores = gateStores(env);
  const judge = { model: chatModel(config.judgeModel, config.concurrency), cache: stores.judgeCache };
  const options = { candidate: chatModel(input.candidateModel, config.concurrency), judge, concurrency: config.concurrency };
  let results: ItemResult[];
  if (input.batch.kind === 'heldout') {
    let set = heldoutSets.get(config.heldout.uri);
    if (!set) heldoutSets.set(config.heldout.uri, (set = readText(config.heldout.uri).then(parseHeldoutSet)));
    const items = (await set).items;
    const check = parseCheck({ rubric: config.heldout.rubric });
    if (!check.ok) throw new Error(`heldout.rubric ${config.heldout.rubric}: ${check.error}`);
    results = await scoreHeldoutItems(input.batch.indices.map((i) => items[i]!), check.check, options);
  } else {
    const key = `${config.drift.suiteVersion}|${config.drift.suiteUri ?? ''}`;
    let suite = suites.get(key);
    if (!suite) suites.set(key, (suite = loadShippedDriftSuite(config.drift.suiteVersion, config.drift.suiteUri)));
    const loaded = await suite;
    results = await scoreDriftItems(
      input.batch.indices.map((i) => loaded.items[i]!),
      { ...options, base: chatModel(config.baseModel, config.concurrency), baseCache: stores.judgeCache, suiteHash: loaded.domainHash ? `${loaded.contentHash}+${loaded.domainHash}` : loaded.contentHash },
    );
  }
  const name = input.batch.kind === 'heldout' ? `heldout-${input.batch.batch}` : `drift-${input.batch.axis}-${input.batch.batch}`;
  const uri = await putJsonl(env.ARTIFACTS_BUCKET, `${checkpointPrefix(env, input.runId, input.checkpoint)}results/${name}.jsonl`, results);
  const errors = results.filter((r) => 'error' in r.candidate || (r.base !== undefined && 'error' in r.base)).length;
  return { kind: input.batch.kind, ...(input.batch.axis ? { axis: input.batch.axis } : {}), batch: input.batch.batch, uri, n: results.length, errors };
};
