import * as z from 'zod';
import { SOURCES, type EventPatternJson } from './event-sources';

export const EXECUTION_STATUS_CHANGE = 'Step Functions Execution Status Change';

/** The statuses in which an execution ended without finishing its own work: the canary rollout fails closed on them. */
export const ABNORMAL_END_STATUSES = ['FAILED', 'TIMED_OUT', 'ABORTED'] as const;
export type AbnormalEndStatus = (typeof ABNORMAL_END_STATUSES)[number];

export const executionStatusSchema = z.enum(['RUNNING', 'SUCCEEDED', 'PENDING_REDRIVE', ...ABNORMAL_END_STATUSES]);

/** Step Functions' native event (source aws.states) on the default bus, the members the rollback reads; the rest is kept. */
export const executionStatusChangeSchema = z
  .object({
    source: z.literal(SOURCES.states),
    'detail-type': z.literal(EXECUTION_STATUS_CHANGE),
    time: z.string().optional(),
    detail: z
      .object({
        executionArn: z.string().min(1),
        stateMachineArn: z.string().min(1),
        name: z.string().optional(),
        status: executionStatusSchema,
        error: z.string().nullish(),
        cause: z.string().nullish(),
      })
      .loose(),
  })
  .loose();
export type ExecutionStatusChange = z.infer<typeof executionStatusChangeSchema>;

/** The fail-closed rule: an execution of `stateMachineArn` that failed, timed out or was aborted. */
export function abnormalEndPattern(stateMachineArn: string): EventPatternJson {
  return {
    source: [SOURCES.states],
    'detail-type': [EXECUTION_STATUS_CHANGE],
    detail: { stateMachineArn: [stateMachineArn], status: [...ABNORMAL_END_STATUSES] },
  };
}
