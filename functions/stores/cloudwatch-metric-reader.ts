import { GetMetricDataCommand, type GetMetricDataCommandOutput, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { cloudWatchClient } from './aws-clients';
import type { MetricQuery, MetricReader, MetricWindow } from '../canary/canary-observation';

/** GetMetricData takes at most 500 queries per call. */
const QUERIES_PER_CALL = 500;

/**
 * Metric statistics per period through GetMetricData: each datapoint lands in the period its timestamp starts, and a
 * period CloudWatch returns nothing for stays undefined (no datapoint), never 0.
 */
export class CloudWatchMetricReader implements MetricReader {
  async read(queries: readonly MetricQuery[], window: MetricWindow): Promise<Map<string, (number | undefined)[]>> {
    const result = new Map<string, (number | undefined)[]>();
    for (const q of queries) result.set(q.id, new Array<number | undefined>(window.periods).fill(undefined));
    const periodMs = window.periodSeconds * 1000;
    const start = window.start.getTime();
    const end = new Date(start + window.periods * periodMs);
    for (let i = 0; i < queries.length; i += QUERIES_PER_CALL) {
      const chunk = queries.slice(i, i + QUERIES_PER_CALL).map(toQuery(window.periodSeconds));
      let nextToken: string | undefined;
      do {
        const page: GetMetricDataCommandOutput = await cloudWatchClient().send(
          new GetMetricDataCommand({ MetricDataQueries: chunk, StartTime: window.start, EndTime: end, ScanBy: 'TimestampAscending', NextToken: nextToken }),
        );
        for (const r of page.MetricDataResults ?? []) {
          const values = r.Id === undefined ? undefined : result.get(r.Id);
          if (values === undefined) continue;
          (r.Timestamps ?? []).forEach((t, k) => {
            const index = Math.floor((t.getTime() - start) / periodMs);
            const value = r.Values?.[k];
            if (index >= 0 && index < window.periods && value !== undefined) values[index] = value;
          });
        }
        nextToken = page.NextToken;
      } while (nextToken);
    }
    return result;
  }
}

function toQuery(periodSeconds: number) {
  return (q: MetricQuery): MetricDataQuery => ({
    Id: q.id,
    MetricStat: {
      Metric: { Namespace: q.namespace, MetricName: q.metricName, Dimensions: Object.entries(q.dimensions).map(([Name, Value]) => ({ Name, Value })) },
      Period: periodSeconds,
      Stat: q.stat,
    },
    ReturnData: true,
  });
}
