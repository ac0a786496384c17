import * as z from 'zod';
import { SOURCES, type EventPatternJson } from './event-sources';

export const ALARM_STATE_CHANGE = 'CloudWatch Alarm State Change';

/** Every canary alarm's name starts with this: the rollback rule and the rollout's check select alarms by it. */
export const CANARY_ALARM_PREFIX = 'finegate-canary-';

export const alarmStateValueSchema = z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']);

const alarmStateSchema = z.object({ value: alarmStateValueSchema, reason: z.string().optional(), timestamp: z.string().optional() }).loose();

/** CloudWatch's native event (source aws.cloudwatch), the members the rollback reads; the rest is kept as is. */
export const alarmStateChangeSchema = z
  .object({
    source: z.literal(SOURCES.cloudwatch),
    'detail-type': z.literal(ALARM_STATE_CHANGE),
    resources: z.array(z.string()).default([]),
    time: z.string().optional(),
    detail: z
      .object({
        alarmName: z.string().min(1),
        state: alarmStateSchema,
        previousState: alarmStateSchema.optional(),
      })
      .loose(),
  })
  .loose();
export type AlarmStateChange = z.infer<typeof alarmStateChangeSchema>;

/** The rollback rule: a canary alarm (name prefixed `prefix`) entering ALARM. */
export function canaryAlarmPattern(prefix: string = CANARY_ALARM_PREFIX): EventPatternJson {
  return {
    source: [SOURCES.cloudwatch],
    'detail-type': [ALARM_STATE_CHANGE],
    detail: { alarmName: [{ prefix }], state: { value: ['ALARM'] } },
  };
}
