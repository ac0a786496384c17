import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadRunConfig, runCommand, RUN_HELP } from '../../../infra/cli/run-command';
import { UsageError } from '../../../infra/cli/usage-error';

const dir = mkdtempSync(join(tmpdir(), 'finegate-run-'));
const saved = { ...process.env };

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const valid = file(
  'run.yaml',
  `runId: r1
baseModel: bedrock:meta.llama3-1-8b-instruct-v1:0
judgeModel: openai:gpt-4o
rubricVersion: v1
heldout: { uri: heldout.jsonl, rubric: exact-match }
corpusAudit: { uri: s3://corpora/c.jsonl }
`,
);

beforeEach(() => {
  delete process.env.FINEGATE_RUNS_TABLE;
  delete process.env.FINEGATE_VERDICTS_TABLE;
  process.env.AWS_ENDPOINT_URL_DYNAMODB = 'http://127.0.0.1:9';
});

afterEach(() => {
  process.env = { ...saved };
});

async function usage(argv: string[]): Promise<string> {
  const error = await runCommand(argv).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UsageError);
  return (error as Error).message;
}

describe('finegate run: usage', () => {
  it.each([
    [[], /which run command/],
    [['deregister'], /unknown run command 'deregister'/],
    [['register'], /which run\? give the path of a run.yaml/],
    [['register', valid, 'extra', '--local'], /unexpected argument: extra/],
    [['register', valid, '--bogus'], /Unknown option/],
    [['register', valid], /only --local registration is available/],
    [['register', valid, '--local'], /which runs table/],
    [['register', valid, '--local', '--runs-table', 'runs'], /which verdicts table/],
    [['register', join(dir, 'missing.yaml'), '--local', '--runs-table', 'r', '--verdicts-table', 'v'], /cannot read .*missing\.yaml/],
  ])('%j → %s', async (argv, message) => {
    expect(await usage(argv)).toMatch(message);
  });

  it('needs the DynamoDB endpoint in the environment for --local', async () => {
    delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
    expect(await usage(['register', valid, '--local', '--runs-table', 'r', '--verdicts-table', 'v'])).toMatch(/AWS_ENDPOINT_URL_DYNAMODB/);
  });

  it('refuses an invalid run.yaml as bad input, naming the file and the field', async () => {
    const bad = file('bad.yaml', 'runId: r1\ndrift: { failPoint: 2 }\n');
    expect(await usage(['register', bad, '--local', '--runs-table', 'r', '--verdicts-table', 'v'])).toMatch(/bad\.yaml: invalid run config: .*drift\.failPoint: unknown field/);
  });

  it('documents the command', () => {
    expect(RUN_HELP).toMatch(/^Usage: finegate run register <run.yaml> --local/);
    expect(RUN_HELP).toMatch(/Exit codes: 0 registered/);
  });
});

describe('loadRunConfig', () => {
  it('parses run.yaml with defaults', async () => {
    expect(await loadRunConfig(valid)).toMatchObject({ runId: 'r1', arena: { sampleSize: 783 } });
  });
});
