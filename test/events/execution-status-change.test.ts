import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { abnormalEndPattern, executionStatusChangeSchema } from '../../events/execution-status-change';
import { matchesEventPattern } from '../../infra/local/event-pattern';

const sample = JSON.parse(readFileSync(new URL('../../events/samples/execution-status-change.json', import.meta.url), 'utf8'));
const MACHINE = sample.detail.stateMachineArn as string;
const withStatus = (status: string) => ({ ...sample, detail: { ...sample.detail, status } });

describe('Step Functions Execution Status Change', () => {
  it('the sample is valid and keeps the members the rollback does not read', () => {
    const event = executionStatusChangeSchema.parse(sample);
    expect(event.detail.status).toBe('TIMED_OUT');
    expect((event.detail as Record<string, unknown>).input).toBeDefined();
  });

  it('the fail-closed pattern takes the state machine’s failed, timed-out and aborted executions only', () => {
    for (const status of ['FAILED', 'TIMED_OUT', 'ABORTED']) expect(matchesEventPattern(abnormalEndPattern(MACHINE), withStatus(status)), status).toBe(true);
    for (const status of ['SUCCEEDED', 'RUNNING']) expect(matchesEventPattern(abnormalEndPattern(MACHINE), withStatus(status)), status).toBe(false);
    expect(matchesEventPattern(abnormalEndPattern(`${MACHINE}-other`), sample)).toBe(false);
  });
});
