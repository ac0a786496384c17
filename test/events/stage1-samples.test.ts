import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { corpusAuditedPattern, corpusAuditedSchema } from '../../events/corpus-audited';
import { corpusUploadedPattern, s3ObjectCreatedSchema } from '../../events/s3-object-created';
import { matchesEventPattern } from '../../infra/local/event-pattern';

const sample = (name: string) => JSON.parse(readFileSync(new URL(`../../events/samples/${name}.json`, import.meta.url), 'utf8'));

describe('stage 1 event samples', () => {
  it('S3 Object Created parses and matches the corpus-upload rule of its bucket and prefix only', () => {
    const event = sample('s3-object-created');
    expect(s3ObjectCreatedSchema.parse(event).detail.object.key).toBe('corpora/support-v3.jsonl.gz');
    expect(matchesEventPattern(corpusUploadedPattern('finegate-corpora-111122223333', 'corpora/'), event)).toBe(true);
    expect(matchesEventPattern(corpusUploadedPattern('finegate-corpora-111122223333', 'heldout/'), event)).toBe(false);
    expect(matchesEventPattern(corpusUploadedPattern('other-bucket', 'corpora/'), event)).toBe(false);
  });

  it('Corpus Audited parses and matches its pattern, by verdict too', () => {
    const event = sample('corpus-audited');
    expect(corpusAuditedSchema.parse(event).detail.verdict).toBe('FAIL');
    expect(matchesEventPattern(corpusAuditedPattern(), event)).toBe(true);
    expect(matchesEventPattern(corpusAuditedPattern(['PASS', 'WARN']), event)).toBe(false);
  });
});
