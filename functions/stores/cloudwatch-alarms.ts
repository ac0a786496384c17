import { DescribeAlarmsCommand, type DescribeAlarmsCommandOutput } from '@aws-sdk/client-cloudwatch';
import { cloudWatchClient } from './aws-clients';
import type { AlarmState } from '../canary/alarm-state';
import type { AlarmReader, AlarmStatus } from '../canary/canary-observation';

const STATES = new Set<string>(['OK', 'ALARM', 'INSUFFICIENT_DATA']);

/** The canary's alarms by name prefix (DescribeAlarms, metric and composite alarms, every page). */
export class CloudWatchAlarms implements AlarmReader {
  async byPrefix(prefix: string): Promise<AlarmStatus[]> {
    if (prefix === '') throw new Error('an alarm name prefix is required: an empty one would read every alarm in the account');
    const alarms: AlarmStatus[] = [];
    let nextToken: string | undefined;
    do {
      const page: DescribeAlarmsCommandOutput = await cloudWatchClient().send(
        new DescribeAlarmsCommand({ AlarmNamePrefix: prefix, AlarmTypes: ['MetricAlarm', 'CompositeAlarm'], MaxRecords: 100, NextToken: nextToken }),
      );
      for (const alarm of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
        if (alarm.AlarmName === undefined) continue;
        // An alarm whose state cannot be read counts as having no data: the decision then fails closed.
        const state: AlarmState = alarm.StateValue !== undefined && STATES.has(alarm.StateValue) ? (alarm.StateValue as AlarmState) : 'INSUFFICIENT_DATA';
        alarms.push({ name: alarm.AlarmName, state, ...(alarm.StateReason === undefined ? {} : { reason: alarm.StateReason }) });
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return alarms;
  }
}
