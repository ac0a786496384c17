import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkpointReadyPattern, checkpointReadySchema } from '../../events/checkpoint-ready';
import { matchesEventPattern } from '../../infra/local/event-pattern';

const sample = JSON.parse(readFileSync(new URL('../../events/samples/checkpoint-ready.json', import.meta.url), 'utf8'));

describe('Checkpoint Ready', () => {
  it('the sample is valid and matched by the pattern', () => {
    expect(checkpointReadySchema.parse(sample).detail.step).toBe(1200);
    expect(matchesEventPattern(checkpointReadyPattern(), sample)).toBe(true);
    expect(matchesEventPattern(checkpointReadyPattern(), { ...sample, source: 'finegate.gate' })).toBe(false);
  });

  it.each([
    [{ step: -1 }, 'step'],
    [{ step: 1.5 }, 'step'],
    [{ checkpoint: 'ckpt/1' }, 'checkpoint'],
    [{ checkpoint: 'ckpt#1' }, 'checkpoint'],
    [{ candidateModel: 'gpt-4o' }, 'candidateModel'],
    [{ runId: '' }, 'runId'],
    [{ final: undefined }, 'final'],
  ])('rejects %j at detail.%s', (patch, field) => {
    const result = checkpointReadySchema.safeParse({ ...sample, detail: { ...sample.detail, ...patch } });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.path).toEqual(['detail', field]);
  });
});
