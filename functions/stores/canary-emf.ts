import type { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { CANARY_DIMENSIONS } from '../canary/canary-metrics';

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

export interface CanaryDatapoints {
  runId: string;
  /** Present for the per-cohort metrics. */
  cohort?: string;
  values: readonly { name: string; unit: Unit; value: number }[];
}

/**
 * One EMF document with two dimension sets: {RunId[, Cohort]}, read back per run by the rollout's check, and the same
 * without RunId ({Cohort}, or none), which the run-independent CloudWatch alarms watch (one canary runs on an alias at
 * a time). The cohort rides as a default dimension, which every set includes, so no key is declared twice.
 */
export function emitCanaryDatapoints(metrics: Metrics, points: CanaryDatapoints): void {
  if (points.values.length === 0) return;
  if (points.cohort !== undefined) metrics.setDefaultDimensions({ [CANARY_DIMENSIONS.cohort]: points.cohort });
  try {
    metrics.addDimension(CANARY_DIMENSIONS.runId, points.runId);
    metrics.addDimensions({});
    for (const v of points.values) metrics.addMetric(v.name, v.unit, v.value);
    metrics.publishStoredMetrics();
  } finally {
    metrics.clearDefaultDimensions();
  }
}
