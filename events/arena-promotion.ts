import type { EventPatternJson } from './event-sources';
import { gateVerdictPattern } from './gate-verdict';

/** The canary rollout's trigger: a Gate Verdict of the arena (stage 3) that passed and promotes the candidate. */
export function arenaPromotionPattern(): EventPatternJson {
  return gateVerdictPattern({ stage: 'arena', verdicts: ['PASS'], promote: true });
}
