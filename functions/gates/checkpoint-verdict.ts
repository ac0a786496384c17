/**
 * The checkpoint verdict: the held-out result, every drift axis and the run's error budget combined into one
 * verdict, and whether to promote. Fails closed: a missing held-out result, a missing required axis, too many
 * errors overall, or any input it cannot read makes the verdict INCONCLUSIVE (or FAIL when something failed
 * outright), never PASS.
 *
 *   FAIL          any axis FAILs, or the held-out score is below its floor (when one is set)
 *   INCONCLUSIVE  otherwise, when anything is missing, unreadable, under-sampled or over the error budget
 *   WARN          otherwise, when any axis WARNs
 *   PASS          otherwise
 *
 * Promotion needs a verdict among `promoteOn` (PASS by default; WARN only when configured) and a checkpoint that
 * asks for it: its `promote` flag when given, else whether it is the final checkpoint.
 */
import type { Verdict } from '../../events/corpus-audited';
import type { DriftAxisResult } from './drift-decision';
import type { HeldoutScore } from './heldout-score';
import { formatPoints } from './points';

export const VERDICTS: readonly Verdict[] = ['PASS', 'WARN', 'FAIL', 'INCONCLUSIVE'];

export interface CheckpointVerdictInput {
  heldout: HeldoutScore | undefined;
  drift: readonly DriftAxisResult[];
  /** Axes that must each have a result (the suite's axes, or the run's drift.axes). */
  requiredAxes: readonly string[];
  /** errorBudget.maxErrorRate: the largest share of all items (held-out and drift) that may error. */
  maxErrorRate: number;
  checkpoint: { final: boolean; promote?: boolean };
  /** Verdicts that may be promoted (default PASS only). */
  promoteOn?: readonly ('PASS' | 'WARN')[];
  /** The fewest scored held-out items for a verdict (default 20). */
  minHeldoutScored?: number;
  /** A held-out score below this many points FAILs (no floor by default). */
  heldoutFloorPoints?: number;
}

export interface CheckpointVerdict {
  verdict: Verdict;
  reasons: string[];
  promote: boolean;
  /** All items attempted (held-out and drift) and those that errored. */
  items: number;
  errors: number;
  errorRate: number;
}

export const DEFAULT_MIN_HELDOUT_SCORED = 20;

const SEVERITY: Record<Verdict, number> = { PASS: 0, WARN: 1, INCONCLUSIVE: 2, FAIL: 3 };

export function checkpointVerdict(input: CheckpointVerdictInput): CheckpointVerdict {
  try {
    return decide(input);
  } catch (error) {
    return {
      verdict: 'INCONCLUSIVE',
      reasons: [`the verdict could not be computed: ${error instanceof Error ? error.message : String(error)}`],
      promote: false,
      items: 0,
      errors: 0,
      errorRate: 0,
    };
  }
}

function decide(input: CheckpointVerdictInput): CheckpointVerdict {
  const { heldout, drift, requiredAxes, maxErrorRate } = input;
  const minHeldoutScored = input.minHeldoutScored ?? DEFAULT_MIN_HELDOUT_SCORED;
  const promoteOn = input.promoteOn ?? ['PASS'];
  let verdict: Verdict = 'PASS';
  const reasons: string[] = [];
  const raise = (to: Verdict, reason: string): void => {
    if (SEVERITY[to] > SEVERITY[verdict]) verdict = to;
    reasons.push(`${to}: ${reason}`);
  };

  if (!(maxErrorRate >= 0 && maxErrorRate <= 1)) raise('INCONCLUSIVE', `the error budget is not a rate in [0, 1] (${String(maxErrorRate)})`);
  if (!promoteOn.every((v) => v === 'PASS' || v === 'WARN')) raise('INCONCLUSIVE', `promoteOn may only hold PASS and WARN, got ${JSON.stringify(promoteOn)}`);

  let items = 0;
  let errors = 0;

  // Held-out.
  if (heldout === undefined) raise('INCONCLUSIVE', 'no held-out result');
  else if (!countsAreSound(heldout.n, heldout.scored, heldout.errors)) raise('INCONCLUSIVE', `the held-out counts do not add up (n ${heldout.n}, scored ${heldout.scored}, errors ${heldout.errors})`);
  else {
    items += heldout.n;
    errors += heldout.errors;
    if (heldout.n === 0) raise('INCONCLUSIVE', 'the held-out set had no items');
    else if (heldout.errors / heldout.n > maxErrorRate) {
      raise('INCONCLUSIVE', `held-out: ${heldout.errors} of ${heldout.n} items errored (${pct(heldout.errors / heldout.n)}), above the ${pct(maxErrorRate)} error budget`);
    } else if (heldout.scored < minHeldoutScored) {
      raise('INCONCLUSIVE', `held-out: ${heldout.scored} item(s) scored, fewer than the ${minHeldoutScored} needed`);
    } else if (heldout.points === undefined || !Number.isFinite(heldout.points)) {
      raise('INCONCLUSIVE', 'held-out: no score');
    } else if (input.heldoutFloorPoints !== undefined && !(heldout.points >= input.heldoutFloorPoints)) {
      raise('FAIL', `held-out: ${formatPoints(heldout.points)} points, below the ${formatPoints(input.heldoutFloorPoints)}-point floor`);
    } else {
      const ci = heldout.interval === undefined ? '' : `, 95% CI [${formatPoints(heldout.interval.lower)}, ${formatPoints(heldout.interval.upper)}]`;
      reasons.push(`held-out: ${formatPoints(heldout.points)} points${ci} over ${heldout.scored} items (${heldout.errors} errors)`);
    }
  }

  // Drift.
  const seen = new Set<string>();
  if (drift.length === 0) raise('INCONCLUSIVE', 'no drift axis was scored');
  for (const axis of drift) {
    if (seen.has(axis.axis)) {
      raise('INCONCLUSIVE', `drift axis ${axis.axis} reported twice`);
      continue;
    }
    seen.add(axis.axis);
    if (!VERDICTS.includes(axis.verdict) || !countsAreSound(axis.n, axis.scored, axis.errors)) {
      raise('INCONCLUSIVE', `drift axis ${axis.axis}: unreadable result`);
      continue;
    }
    items += axis.n;
    errors += axis.errors;
    // The run's budget, whatever budget the axis was decided under.
    if (axis.n > 0 && axis.errors / axis.n > maxErrorRate) {
      raise('INCONCLUSIVE', `drift axis ${axis.axis}: ${axis.errors} of ${axis.n} items errored (${pct(axis.errors / axis.n)}), above the ${pct(maxErrorRate)} error budget`);
    }
    const because = axis.reasons.length > 0 ? axis.reasons.join('; ') : `drift axis ${axis.axis}`;
    if (axis.verdict === 'PASS') reasons.push(because);
    else raise(axis.verdict, axis.advice === undefined ? because : `${because} (${axis.advice})`);
  }
  for (const axis of requiredAxes) if (!seen.has(axis)) raise('INCONCLUSIVE', `drift axis ${axis} has no result`);

  // The budget over everything, as the verdict records it; the per-part checks imply it, so it is the last guard.
  const errorRate = items === 0 ? 0 : errors / items;
  if (errorRate > maxErrorRate) raise('INCONCLUSIVE', `${errors} of ${items} items errored overall (${pct(errorRate)}), above the ${pct(maxErrorRate)} error budget`);

  const asked = input.checkpoint.promote ?? input.checkpoint.final;
  const promotable = (promoteOn as readonly Verdict[]).includes(verdict) && (verdict === 'PASS' || verdict === 'WARN');
  const promote = promotable && asked === true;
  return { verdict, reasons, promote, items, errors, errorRate };
}

function countsAreSound(n: number, scored: number, errors: number): boolean {
  return [n, scored, errors].every((x) => Number.isInteger(x) && x >= 0) && scored + errors === n;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}
