import * as z from 'zod';
import { drawArenaSamples, parseArenaSamples, type ArenaSampleSet } from './arena/arena-samples';
import { runArena } from './arena/arena-run';
import { checkpointPrefix, gateEnvironment, gateStores, loadRunRecord } from './gate-context';
import { chatModel } from './gate-models';
import { readText } from './stores/read-text';
import { putJsonl } from './stores/s3-objects';

const inputSchema = z.object({
  runId: z.string().min(1),
  checkpoint: z.string().min(1),
  candidateModel: z.string().min(1),
  batch: z.object({ start: z.number().int().nonnegative(), count: z.number().int().positive(), n: z.number().int().positive() }),
});

const sampleSets = new Map<string, Promise<ArenaSampleSet>>();

/** ArenaBatch (stage 3): candidate and base answer one batch of drawn inputs; the judge compares each pair. */
export const handler = async (event: unknown) => {
  const input = inputSchema.parse(event);
  const env = gateEnvironment();
  const { config } = await loadRunRecord(env, input.runId);
  const uri = config.productionSamplesUri!;
  let set = sampleSets.get(uri);
  if (!set) sampleSets.set(uri, (set = readText(uri).then(parseArenaSamples)));
  const draw = drawArenaSamples((await set).samples, input.batch.n, config.arena.seed);
  const samples = draw.samples.slice(input.batch.start, input.batch.start + input.batch.count);
  const run = await runArena({
    candidate: chatModel(input.candidateModel, config.concurrency),
    base: chatModel(config.baseModel, config.concurrency),
    judge: chatModel(config.judgeModel, config.concurrency),
    samples,
    seed: config.arena.seed,
    positions: config.arena.positionMode,
    concurrency: config.concurrency,
    cache: gateStores(env).judgeCache,
    firstIndex: input.batch.start,
  });
  const key = `${checkpointPrefix(env, input.runId, input.checkpoint)}arena/pairs-${input.batch.start}.jsonl`;
  const resultUri = await putJsonl(env.ARTIFACTS_BUCKET, key, run.pairs);
  return { uri: resultUri, pairs: run.pairs.length, errors: run.pairs.filter((p) => p.outcome === 'error').length, models: run.models };
};
