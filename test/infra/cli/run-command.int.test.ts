import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { corpusSubject } from '../../../functions/audit/corpus-identity';
import { resetAwsClients } from '../../../functions/stores/aws-clients';
import { DynamoRunStore } from '../../../functions/stores/dynamo-run-store';
import { DynamoVerdictStore } from '../../../functions/stores/dynamo-verdict-store';
import type { VerdictRecord } from '../../../functions/stores/verdict-store';
import { runCommand } from '../../../infra/cli/run-command';
import { stackOutput, useLocalServices } from '../../support/local-services';

/* `finegate run register --local` against the running template's tables in DynamoDB Local. */

const dir = mkdtempSync(join(tmpdir(), 'finegate-run-int-'));
let tables: string[];
let verdicts: DynamoVerdictStore;
let runsTable: string;

beforeAll(() => {
  const local = useLocalServices();
  resetAwsClients();
  runsTable = stackOutput(local, 'RunsTableName');
  const verdictsTable = stackOutput(local, 'VerdictsTableName');
  verdicts = new DynamoVerdictStore(verdictsTable);
  tables = ['--runs-table', runsTable, '--verdicts-table', verdictsTable];
});

afterEach(() => vi.restoreAllMocks());

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (err.push(String(chunk)), true));
  return { out: () => out.join(''), err: () => err.join('') };
}

async function runYaml(verdict: VerdictRecord['verdict'], failPoints = 5): Promise<{ runId: string; write: (failPoints: number) => string }> {
  const key = `corpora/${randomUUID()}.jsonl`;
  await verdicts.putOnce({
    subject: corpusSubject('corpora', key),
    key: 'version#v1',
    kind: 'corpus-audit',
    verdict,
    reasons: verdict === 'FAIL' ? ['pii: 12 rows quarantined'] : [],
    configHash: 'beef',
    config: {},
    summary: {},
    reportUri: `s3://artifacts/audits/${key}/report.json`,
    createdAt: new Date().toISOString(),
  });
  const runId = `cli-${randomUUID()}`;
  const write = (fp: number) => {
    const path = join(dir, `${runId}-${fp}.yaml`);
    writeFileSync(
      path,
      `runId: ${runId}
baseModel: bedrock:meta.llama3-1-8b-instruct-v1:0
judgeModel: bedrock:anthropic.claude-3-5-sonnet-20240620-v1:0
rubricVersion: 2026-11-v1
heldout:
  uri: s3://corpora/heldout.jsonl
  rubric: judge:task-completion
corpusAudit:
  uri: s3://corpora/${key}
drift:
  failPoints: ${fp}
arena:
  effectFloor: 0.55
`,
    );
    return path;
  };
  write(failPoints);
  return { runId, write };
}

describe('finegate run register --local', () => {
  it('registers, prints the hash and the arena sample size, and accepts the identical file again', async () => {
    const { runId, write } = await runYaml('PASS');
    let io = capture();
    expect(await runCommand(['register', write(5), '--local', ...tables])).toBe(0);
    const record = await new DynamoRunStore(runsTable).get(runId);
    expect(io.out()).toContain(`registered run ${runId}\nconfig hash: ${record!.configHash}\n`);
    expect(io.out()).toMatch(/corpus audit: PASS \(s3:\/\/corpora\/corpora\/.*\.jsonl, version#v1\)/);
    expect(io.out()).toContain('arena: effect floor 0.55 needs 783 non-tied comparisons (95% confidence, 80% power); pinned sample 783');

    vi.restoreAllMocks();
    io = capture();
    expect(await runCommand(['register', write(5), '--local', ...tables])).toBe(0);
    expect(io.out()).toMatch(new RegExp(`^run ${runId} is already registered with this configuration: nothing changed\\nconfig hash: ${record!.configHash}`));
  });

  it('refuses a conflicting re-registration with exit 1 and the differing fields', async () => {
    const { runId, write } = await runYaml('WARN');
    capture();
    expect(await runCommand(['register', write(5), '--local', ...tables])).toBe(0);
    vi.restoreAllMocks();
    const io = capture();
    expect(await runCommand(['register', write(8), '--local', ...tables])).toBe(1);
    expect(io.err()).toContain(`refused: run ${runId} is already registered with a different configuration; differing fields: drift.failPoints`);
    expect(io.err()).toContain('  drift.failPoints: 5 (pinned) → 8 (requested)');
    expect((await new DynamoRunStore(runsTable).get(runId))?.config.drift.failPoints).toBe(5);
  });

  it('refuses a run on a corpus audited FAIL with exit 1', async () => {
    const { runId, write } = await runYaml('FAIL');
    const io = capture();
    expect(await runCommand(['register', write(5), '--local', ...tables])).toBe(1);
    expect(io.err()).toMatch(/^refused: the corpus audit of s3:\/\/corpora\/corpora\/.* is FAIL \(pii: 12 rows quarantined\)/);
    expect(await new DynamoRunStore(runsTable).get(runId)).toBeUndefined();
  });
});
