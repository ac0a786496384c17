import * as z from 'zod';
import { CHECKS } from '../functions/audit/finding';
import { SOURCES, type EventPatternJson } from './event-sources';

export const CORPUS_AUDITED = 'Corpus Audited';

export const verdictSchema = z.enum(['PASS', 'WARN', 'FAIL', 'INCONCLUSIVE']);
export type Verdict = z.infer<typeof verdictSchema>;

/** Published on the finegate bus when an audit finishes. Carries counts and locations, never row content. */
export const corpusAuditedDetailSchema = z.object({
  auditId: z.string().min(1),
  corpus: z.object({
    uri: z.string().min(1),
    bucket: z.string().optional(),
    key: z.string().optional(),
    versionId: z.string().optional(),
    etag: z.string().optional(),
  }),
  verdict: verdictSchema,
  reasons: z.array(z.string()),
  counts: z.object({
    input: z.number().int().nonnegative(),
    clean: z.number().int().nonnegative(),
    quarantined: z.number().int().nonnegative(),
    warned: z.number().int().nonnegative(),
  }),
  findingsByCheck: z.partialRecord(z.enum(CHECKS), z.number().int().nonnegative()),
  artifacts: z.object({
    report: z.string(),
    reportMarkdown: z.string(),
    reportHtml: z.string(),
    clean: z.string(),
    quarantine: z.string(),
    findings: z.string(),
  }),
  configHash: z.string(),
  finishedAt: z.string(),
});
export type CorpusAuditedDetail = z.infer<typeof corpusAuditedDetailSchema>;

export const corpusAuditedSchema = z.object({
  source: z.literal(SOURCES.corpus),
  'detail-type': z.literal(CORPUS_AUDITED),
  detail: corpusAuditedDetailSchema,
});

export function corpusAuditedPattern(verdicts?: readonly string[]): EventPatternJson {
  return {
    source: [SOURCES.corpus],
    'detail-type': [CORPUS_AUDITED],
    ...(verdicts ? { detail: { verdict: [...verdicts] } } : {}),
  };
}
