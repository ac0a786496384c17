import { describe, expect, it } from 'vitest';
import { checkCorpusAudit, CorpusGateError, requireCorpusAudit } from '../../../functions/runs/corpus-gate';
import type { VerdictRecord, VerdictStore } from '../../../functions/stores/verdict-store';

/** The VerdictStore port over a list, as the DynamoDB adapter answers it. */
class ListVerdictStore implements Pick<VerdictStore, 'get' | 'list'> {
  constructor(readonly records: VerdictRecord[]) {}
  async get(subject: string, key: string) {
    return this.records.find((r) => r.subject === subject && r.key === key);
  }
  async list(subject: string) {
    return this.records.filter((r) => r.subject === subject);
  }
}

function audit(key: string, verdict: VerdictRecord['verdict'], createdAt: string, reasons: string[] = []): VerdictRecord {
  return {
    subject: 'corpus#s3://corpora/corpora/support.jsonl',
    key,
    kind: 'corpus-audit',
    verdict,
    reasons,
    configHash: 'abc',
    config: {},
    summary: {},
    reportUri: `s3://artifacts/audits/${key}/report.json`,
    createdAt,
  };
}

const uri = 's3://corpora/corpora/support.jsonl';

describe('checkCorpusAudit', () => {
  it('passes a pinned version audited PASS or WARN', async () => {
    const store = new ListVerdictStore([audit('version#v1', 'WARN', '2026-11-01T00:00:00Z'), audit('version#v2', 'FAIL', '2026-11-02T00:00:00Z')]);
    expect(await checkCorpusAudit({ uri, versionId: 'v1' }, store)).toMatchObject({ passed: true, verdict: 'WARN', key: 'version#v1', reportUri: 's3://artifacts/audits/version#v1/report.json' });
  });

  it('refuses a FAIL with its reasons and the report', async () => {
    const store = new ListVerdictStore([audit('version#v2', 'FAIL', '2026-11-02T00:00:00Z', ['secrets in 3 rows', 'pii in 9 rows'])]);
    const result = await checkCorpusAudit({ uri, versionId: 'v2' }, store);
    expect(result).toMatchObject({ passed: false, verdict: 'FAIL' });
    expect(!result.passed && result.reason).toBe(
      'the corpus audit of s3://corpora/corpora/support.jsonl (version v2) is FAIL (secrets in 3 rows; pii in 9 rows); training must not start on it (report: s3://artifacts/audits/version#v2/report.json)',
    );
  });

  it('refuses INCONCLUSIVE', async () => {
    const store = new ListVerdictStore([audit('version#v1', 'INCONCLUSIVE', '2026-11-01T00:00:00Z')]);
    expect(await checkCorpusAudit({ uri, versionId: 'v1' }, store)).toMatchObject({ passed: false, verdict: 'INCONCLUSIVE' });
  });

  it('refuses a corpus that was never audited, or not in the pinned version', async () => {
    const store = new ListVerdictStore([audit('version#v1', 'PASS', '2026-11-01T00:00:00Z')]);
    const missing = await checkCorpusAudit({ uri: 's3://corpora/other.jsonl' }, store);
    expect(missing).toMatchObject({ passed: false });
    expect(!missing.passed && missing.reason).toMatch(/^no corpus audit verdict for s3:\/\/corpora\/other.jsonl/);
    const otherVersion = await checkCorpusAudit({ uri, versionId: 'v9' }, store);
    expect(otherVersion.passed).toBe(false);
    expect(!otherVersion.passed && otherVersion.reason).toMatch(/^no corpus audit verdict for s3:\/\/corpora\/corpora\/support.jsonl \(version v9\)/);
  });

  it('without a version, judges by the latest audit of the object', async () => {
    const older = audit('version#v1', 'PASS', '2026-11-01T00:00:00Z');
    const newer = audit('version#v2', 'FAIL', '2026-11-03T00:00:00Z');
    expect(await checkCorpusAudit({ uri }, new ListVerdictStore([newer, older]))).toMatchObject({ passed: false, key: 'version#v2' });
    expect(await checkCorpusAudit({ uri }, new ListVerdictStore([audit('etag#e1', 'FAIL', '2026-10-01T00:00:00Z'), older]))).toMatchObject({ passed: true, key: 'version#v1' });
  });

  it('requireCorpusAudit throws the refusal', async () => {
    const store = new ListVerdictStore([]);
    await expect(requireCorpusAudit({ uri }, store)).rejects.toBeInstanceOf(CorpusGateError);
    await expect(requireCorpusAudit({ uri }, store)).rejects.toThrow(/no corpus audit verdict/);
  });
});
