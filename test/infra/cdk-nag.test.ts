import { type App, type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { FineTuneGate } from '../../infra/fine-tune-gate';
import { FinegateStack, type FinegateStackProps } from '../../infra/finegate-stack';
import { unbundledApp } from '../../infra/synthesize-template';

function findings(app: App): { ruleName: string; severity?: string; paths: string[] }[] {
  app.synth();
  return new AwsSolutionsChecks(app).validateScope(app).violations.map((v) => ({
    ruleName: v.ruleName,
    severity: v.severity,
    paths: v.violatingResources.map((r) => r.constructPath ?? ''),
  }));
}

function stackFindings(props?: FinegateStackProps) {
  const app = unbundledApp();
  new FinegateStack(app, 'Finegate', props);
  return findings(app);
}

describe('AwsSolutionsChecks', () => {
  it('reports no unacknowledged error or warning on the finegate stack', () => {
    expect(stackFindings()).toEqual([]);
  });

  it('stays clean with an existing corpora bucket and custom prefixes (acknowledgements follow the resources)', () => {
    const app = unbundledApp();
    const stack = new Stack(app, 'Custom');
    new FineTuneGate(stack, 'Gate', {
      existingCorporaBucket: s3.Bucket.fromBucketName(stack, 'Existing', 'team-corpora'),
      corpusPrefix: '',
      artifactsPrefix: 'x/y/',
    });
    expect(findings(app)).toEqual([]);
  });

  it('stays clean with Bedrock models in the audit configuration, cross-region profiles included', () => {
    expect(
      stackFindings({
        auditConfig: { labelNoise: { judgeModel: 'bedrock:us.anthropic.claude-3-5-haiku-20241022-v1:0' }, paraphrase: { model: 'bedrock:amazon.titan-embed-text-v2:0' } },
      }),
    ).toEqual([]);
  });

  it('stays clean with Bedrock and OpenAI models for the checkpoint gate, cross-region profile included', () => {
    expect(stackFindings({ gateModels: ['bedrock:us.anthropic.claude-3-5-haiku-20241022-v1:0', 'openai:gpt-4o'] })).toEqual([]);
  });

  it('stays clean with a customer-managed key, the API key in Secrets Manager and the canary (exact key grants, no wildcard)', () => {
    expect(
      stackFindings({
        customerManagedKey: true,
        openAiApiKeySecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:finegate/openai-AbCdEf',
        gateModels: ['openai:gpt-4o'],
        canary: { currentModel: 'openai:gpt-4o-mini' },
      }),
    ).toEqual([]);
  });

  it('stays clean with the canary, its Bedrock models taken from the gate’s, cross-region profile included', () => {
    expect(
      stackFindings({
        gateModels: ['bedrock:us.anthropic.claude-3-5-haiku-20241022-v1:0', 'bedrock:meta.llama3-1-8b-instruct-v1:0'],
        canary: { currentModel: 'bedrock:meta.llama3-1-8b-instruct-v1:0' },
      }),
    ).toEqual([]);
  });

  it('stays clean with a canary serving a local model and no Bedrock model', () => {
    expect(stackFindings({ canary: { currentModel: 'local:echo' } })).toEqual([]);
  });

  it('acknowledges the cross-region foundation model of a gate model, not every model', () => {
    const app = unbundledApp();
    const stack = new FinegateStack(app, 'Finegate', { gateModels: ['bedrock:us.anthropic.claude-3-5-haiku-20241022-v1:0'] });
    stack.gate.checkpointGate.functions.scoreBatch.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['bedrock:InvokeModel'], resources: [`arn:${stack.partition}:bedrock:*::foundation-model/*`] }),
    );
    expect(findings(app).map((f) => f.ruleName)).toEqual(['AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/*]']);
  });

  it('fails the synth as a validation plugin when a finding is not acknowledged', () => {
    const app = unbundledApp();
    new FinegateStack(app, 'Finegate', { artifactsBucketProps: { enforceSSL: false, minimumTLSVersion: undefined } });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/AwsSolutions-S10/);
  });

  it('flags a wildcard data permission that nobody acknowledged', () => {
    const app = unbundledApp();
    const stack = new FinegateStack(app, 'Finegate');
    stack.gate.corpusAudit.function.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject*'], resources: [stack.gate.storage.corporaBucket.arnForObjects('*')] }),
    );
    const bucketId = stack.getLogicalId(stack.gate.storage.corporaBucket.node.defaultChild as CfnElement);
    const ruleNames = findings(app).map((f) => f.ruleName);
    // The acknowledgement covers `<bucket>/corpora/*` only, not the whole bucket.
    expect(ruleNames).toEqual(
      expect.arrayContaining(['AwsSolutions-IAM5[Action::s3:GetObject*]', `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/*]`]),
    );
  });
});
