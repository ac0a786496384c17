import * as z from 'zod';
import { drawArenaSamples, parseArenaSamples } from './arena/arena-samples';
import { gateEnvironment, loadRunRecord } from './gate-context';
import { readText } from './stores/read-text';

const inputSchema = z
  .object({
    loaded: z.object({ run: z.object({ runId: z.string(), configHash: z.string() }).loose(), checkpoint: z.object({ candidateModel: z.string() }).loose() }),
    /** Set when the previous round was INCONCLUSIVE and the pre-registered maximum allows more pairs. */
    arenaDecision: z.object({ nextSampleSize: z.number().int().positive().optional() }).loose().optional(),
  })
  .loose();

const PAIRS_PER_BATCH = 25;

/**
 * ArenaPlan (stage 3): draws the run's production inputs with its recorded seed and splits the draw into batches the
 * Map judges. A larger round (an extension) draws a prefix-stable superset, so judged pairs come back from the cache.
 */
export const handler = async (event: unknown) => {
  const input = inputSchema.parse(event);
  const env = gateEnvironment();
  const { config } = await loadRunRecord(env, input.loaded.run.runId, input.loaded.run.configHash);
  if (!config.productionSamplesUri) throw new Error(`run ${config.runId} names no productionSamplesUri: the arena has no inputs to compare on`);
  const set = parseArenaSamples(await readText(config.productionSamplesUri));
  if (set.samples.length === 0) throw new Error(`production samples ${config.productionSamplesUri} have no usable inputs (${set.invalid.length} invalid rows)`);
  const n = input.arenaDecision?.nextSampleSize ?? config.arena.sampleSize;
  const draw = drawArenaSamples(set.samples, n, config.arena.seed);
  const batches = [];
  for (let start = 0; start < draw.samples.length; start += PAIRS_PER_BATCH) {
    batches.push({ start, count: Math.min(PAIRS_PER_BATCH, draw.samples.length - start), n });
  }
  return { n, drawn: draw.samples.length, available: draw.available, invalid: set.invalid.length, seed: config.arena.seed, positions: config.arena.positionMode, batches };
};
