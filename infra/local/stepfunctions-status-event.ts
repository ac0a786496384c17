import { randomUUID } from 'node:crypto';
import type { EventBridgeEvent } from './eventbridge-server';
import type { ExecutionRecord } from './stepfunctions-executions';

export const EXECUTION_STATUS_CHANGE = 'Step Functions Execution Status Change';

/**
 * The "Step Functions Execution Status Change" event Step Functions puts on the default bus when a STANDARD
 * execution starts and when it closes, field for field as Step Functions shapes it (dates in epoch milliseconds,
 * input and output as JSON text, null where absent).
 */
export function executionStatusChangeEvent(record: ExecutionRecord, where: { account: string; region: string }): EventBridgeEvent {
  const millis = (iso: string | undefined) => (iso === undefined ? null : Date.parse(iso));
  const at = record.stopDate ?? record.startDate;
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': EXECUTION_STATUS_CHANGE,
    source: 'aws.states',
    account: where.account,
    time: new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: where.region,
    resources: [record.executionArn],
    detail: {
      executionArn: record.executionArn,
      stateMachineArn: record.stateMachineArn,
      name: record.name,
      status: record.status,
      startDate: millis(record.startDate),
      stopDate: millis(record.stopDate),
      input: record.input,
      output: record.output ?? null,
      inputDetails: { included: true },
      outputDetails: record.output !== undefined ? { included: true } : null,
      error: record.error ?? null,
      cause: record.cause ?? null,
    },
  };
}
