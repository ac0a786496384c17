import { describe, expect, it } from 'vitest';
import { jsonPath, targetInput } from '../../../infra/local/rule-target-input';
import type { RuleTargetModel } from '../../../infra/local/template-model';

const event = {
  id: 'e1',
  source: 'finegate.corpus',
  time: '2025-01-01T00:00:00Z',
  detail: { verdict: 'FAIL', counts: { input: 10 }, reasons: ['pii', 'secrets'] },
};
const rule = { ruleName: 'r', ruleArn: 'arn:aws:events:us-east-1:000000000000:rule/r', ingestionTime: event.time };
const target = (overrides: Partial<RuleTargetModel>): RuleTargetModel => ({
  id: 't',
  arn: 'arn',
  kind: 'lambda',
  retryPolicy: { maximumRetryAttempts: 0, maximumEventAgeSeconds: 60 },
  ...overrides,
});

describe('rule target input', () => {
  it('passes the whole event by default', () => {
    expect(targetInput(target({}), event, rule)).toBe(event);
  });

  it('passes constant Input', () => {
    expect(targetInput(target({ input: '{"fixed":true}' }), event, rule)).toEqual({ fixed: true });
  });

  it('passes the part named by InputPath', () => {
    expect(targetInput(target({ inputPath: '$.detail.counts' }), event, rule)).toEqual({ input: 10 });
    expect(jsonPath(event, '$.detail.reasons[1]')).toBe('secrets');
    expect(jsonPath(event, "$['detail']['verdict']")).toBe('FAIL');
    expect(jsonPath(event, '$.detail.missing.deeper')).toBeUndefined();
    expect(() => jsonPath(event, 'detail')).toThrow(/must start with \$/);
  });

  it('fills an InputTransformer template: JSON values outside quotes, raw text inside', () => {
    const transformed = targetInput(
      target({
        inputTransformer: {
          inputPathsMap: { verdict: '$.detail.verdict', counts: '$.detail.counts' },
          inputTemplate: '{"summary": "verdict <verdict> from <aws.events.rule-name>", "verdict": <verdict>, "counts": <counts>}',
        },
      }),
      event,
      rule,
    );
    expect(transformed).toEqual({ summary: 'verdict FAIL from r', verdict: 'FAIL', counts: { input: 10 } });
  });

  it('yields a string when the template is a quoted string', () => {
    const transformed = targetInput(
      target({ inputTransformer: { inputPathsMap: { v: '$.detail.verdict' }, inputTemplate: '"audit <v>"' } }),
      event,
      rule,
    );
    expect(transformed).toBe('audit FAIL');
  });
});
