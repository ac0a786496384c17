import { Duration } from 'aws-cdk-lib';
import type { CanaryProps } from '../canary';

/**
 * A canary sized for the local runtime: one-minute alarm periods (2 breaching of 3 raise an alarm), a shadow pair for
 * every request, and small evidence minimums, so that live traffic decides within seconds at a time scale of 60 (one
 * alarm minute per wall second). The rubric graded per cohort is whether the answer refuses an ordinary request.
 */
export function localCanaryProps(currentModel: string): Omit<CanaryProps, 'storage'> {
  return {
    currentModel,
    trafficPercent: 10,
    shadowFraction: 1,
    windowPeriod: Duration.minutes(1),
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
    holdWindow: Duration.minutes(30),
    minDecidedPairs: 15,
    minRubricSamples: 5,
    rubrics: [{ name: 'answers', check: { rubric: 'refusal-detection', expectRefusal: false } }],
  };
}

/** Alarm periods 60× faster than AWS's. */
export const LOCAL_CANARY_TIME_SCALE = 60;
