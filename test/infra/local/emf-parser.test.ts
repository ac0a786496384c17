import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CANARY_NAMESPACE } from '../../../functions/canary/canary-metrics';
import { emitCanaryDatapoints } from '../../../functions/stores/canary-emf';
import { parseEmfLine } from '../../../infra/local/emf-parser';
import { MetricStore } from '../../../infra/local/metric-store';

afterEach(() => vi.restoreAllMocks());

/** The lines Powertools prints while `emit` runs. */
function printed(emit: () => void): string[] {
  const chunks: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  try {
    emit();
  } finally {
    vi.restoreAllMocks();
  }
  return chunks.join('').split('\n').filter((line) => line !== '');
}

function canaryMetrics(): Metrics {
  const metrics = new Metrics({ namespace: CANARY_NAMESPACE, serviceName: 'finegate' });
  metrics.clearDefaultDimensions();
  return metrics;
}

describe('parseEmfLine', () => {
  it('reads what the canary handlers print: one datapoint per metric per dimension set', () => {
    const [line] = printed(() =>
      emitCanaryDatapoints(canaryMetrics(), { runId: 'run-1', cohort: 'candidate', values: [{ name: 'Rubric_helpfulness', unit: MetricUnit.NoUnit, value: 80 }] }),
    );
    const points = parseEmfLine(line!);
    expect(points.map(({ timestamp, ...p }) => p)).toEqual([
      { namespace: 'finegate/canary', metricName: 'Rubric_helpfulness', dimensions: { Cohort: 'candidate', RunId: 'run-1' }, values: [80], unit: 'None' },
      { namespace: 'finegate/canary', metricName: 'Rubric_helpfulness', dimensions: { Cohort: 'candidate' }, values: [80], unit: 'None' },
    ]);
    expect(Math.abs(points[0]!.timestamp - Date.now())).toBeLessThan(5000);
  });

  it('reads an empty dimension set as the metric without dimensions', () => {
    const [line] = printed(() =>
      emitCanaryDatapoints(canaryMetrics(), {
        runId: 'run-1',
        values: [
          { name: 'ShadowWin', unit: MetricUnit.Count, value: 1 },
          { name: 'ShadowLoss', unit: MetricUnit.Count, value: 0 },
        ],
      }),
    );
    const points = parseEmfLine(line!);
    expect(points.map((p) => [p.metricName, p.dimensions, p.values])).toEqual([
      ['ShadowWin', { RunId: 'run-1' }, [1]],
      ['ShadowWin', {}, [1]],
      ['ShadowLoss', { RunId: 'run-1' }, [0]],
      ['ShadowLoss', {}, [0]],
    ]);
    // Stored, the two sets are two metrics: the run-independent alarm reads the one without RunId.
    const store = new MetricStore();
    for (const p of points) store.put(p);
    const t = points[0]!.timestamp;
    expect(store.statistics({ namespace: 'finegate/canary', metricName: 'ShadowWin', dimensions: {} }, 'Sum', t, t + 1, 60_000).get(t)).toBe(1);
  });

  it('reads a value array, a directive without any dimension set, and several directives', () => {
    const line = JSON.stringify({
      _aws: {
        Timestamp: 1_795_730_000_000,
        CloudWatchMetrics: [
          { Namespace: 'finegate', Dimensions: [], Metrics: [{ Name: 'Latency', Unit: 'Milliseconds', StorageResolution: 1 }] },
          { Namespace: 'other', Dimensions: [['Stage']], Metrics: [{ Name: 'Rows' }] },
        ],
      },
      Latency: [12, 30, 7],
      Rows: 5,
      Stage: 'audit',
    });
    expect(parseEmfLine(line)).toEqual([
      { namespace: 'finegate', metricName: 'Latency', dimensions: {}, timestamp: 1_795_730_000_000, values: [12, 30, 7], unit: 'Milliseconds', storageResolution: 1 },
      { namespace: 'other', metricName: 'Rows', dimensions: { Stage: 'audit' }, timestamp: 1_795_730_000_000, values: [5] },
    ]);
  });

  it('gives nothing for lines that are not EMF, without a word', () => {
    const onInvalid = vi.fn();
    for (const line of ['', 'START RequestId: 1 Version: $LATEST', '{"level":"INFO","message":"scored"}', '{not json', '[1,2]', '2026-11-26T22:00:00Z\tinfo\t{"_aws":']) {
      expect(parseEmfLine(line, onInvalid), line).toEqual([]);
    }
    expect(onInvalid).not.toHaveBeenCalled();
  });

  it('drops a malformed document whole and says why', () => {
    const base = { _aws: { Timestamp: 1_795_730_000_000, CloudWatchMetrics: [{ Namespace: 'finegate', Dimensions: [['Stage']], Metrics: [{ Name: 'Rows' }, { Name: 'Bytes', Unit: 'Bytes' }] }] }, Rows: 5, Bytes: 10, Stage: 'audit' };
    const variant = (change: (doc: any) => void) => {
      const doc = structuredClone(base);
      change(doc);
      return JSON.stringify(doc);
    };
    const cases: [string, RegExp][] = [
      [variant((d) => delete d.Bytes), /metric "Bytes" has no value/],
      [variant((d) => (d._aws.CloudWatchMetrics[0].Namespace = '')), /Namespace must be a string/],
      [variant((d) => (d._aws.CloudWatchMetrics[0].Namespace = 'AWS/Lambda')), /reserved/],
      [variant((d) => delete d.Stage), /dimension "Stage" has no string value/],
      [variant((d) => (d.Rows = 'five')), /not a number/],
      [variant((d) => (d._aws.CloudWatchMetrics[0].Metrics[1].Unit = 'Furlongs')), /not a CloudWatch unit/],
      [variant((d) => delete d._aws.Timestamp), /Timestamp must be epoch milliseconds/],
      [variant((d) => (d._aws.CloudWatchMetrics = {})), /CloudWatchMetrics must be an array/],
    ];
    for (const [line, reason] of cases) {
      const onInvalid = vi.fn();
      expect(parseEmfLine(line, onInvalid), reason.source).toEqual([]);
      expect(onInvalid, reason.source).toHaveBeenCalledWith(expect.stringMatching(reason));
    }
    expect(parseEmfLine(JSON.stringify(base))).toHaveLength(2);
  });
});
