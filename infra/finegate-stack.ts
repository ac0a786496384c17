import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { FineTuneGate, type FineTuneGateProps } from './fine-tune-gate';

export interface FinegateStackProps extends StackProps, FineTuneGateProps {
  /**
   * The full ARN of the Secrets Manager secret holding the OpenAI-compatible API key (the value, or JSON with an
   * `apiKey` field); the functions that call models read it at run time. Not with `openAiApiKeySecret`.
   */
  readonly openAiApiKeySecretArn?: string;
}

/** The deployable finegate app: one FineTuneGate plus the outputs the local runtime and operators read. */
export class FinegateStack extends Stack {
  public readonly gate: FineTuneGate;

  constructor(scope: Construct, id: string, props: FinegateStackProps = {}) {
    const {
      description,
      env,
      stackName,
      tags,
      notificationArns,
      synthesizer,
      terminationProtection,
      analyticsReporting,
      crossRegionReferences,
      permissionsBoundary,
      suppressTemplateIndentation,
      propertyInjectors,
      openAiApiKeySecretArn,
      ...gateProps
    } = props;
    super(scope, id, {
      description: description ?? 'finegate: gates for LLM fine-tunes (corpus audit and checkpoint gate)',
      env,
      stackName,
      tags,
      notificationArns,
      synthesizer,
      terminationProtection,
      analyticsReporting,
      crossRegionReferences,
      permissionsBoundary,
      suppressTemplateIndentation,
      propertyInjectors,
    });
    if (openAiApiKeySecretArn !== undefined && gateProps.openAiApiKeySecret !== undefined) {
      throw new Error('FinegateStack: pass either openAiApiKeySecretArn or openAiApiKeySecret, not both');
    }
    const openAiApiKeySecret =
      gateProps.openAiApiKeySecret ?? (openAiApiKeySecretArn === undefined ? undefined : secretsmanager.Secret.fromSecretCompleteArn(this, 'OpenAiApiKeySecret', openAiApiKeySecretArn));
    this.gate = new FineTuneGate(this, 'FineTuneGate', { ...gateProps, ...(openAiApiKeySecret ? { openAiApiKeySecret } : {}) });
    const { storage } = this.gate;

    // Declared on the stack itself, so each output's logical id is exactly its key.
    const outputs: Record<string, string> = {
      CorporaBucketName: storage.corporaBucket.bucketName,
      ArtifactsBucketName: storage.artifactsBucket.bucketName,
      VerdictsTableName: storage.verdictsTable.tableName,
      RunsTableName: storage.runsTable.tableName,
      JudgeCacheTableName: storage.judgeCacheTable.tableName,
      IdempotencyTableName: storage.idempotencyTable.tableName,
      EventBusName: storage.eventBus.eventBusName,
      CheckpointGateStateMachineArn: this.gate.checkpointGate.stateMachine.stateMachineArn,
      // What `finegate dlq list|redrive` reads and sends dead letters back to.
      CorpusAuditDeadLetterQueueUrl: this.gate.corpusAudit.deadLetterQueue.queueUrl,
      CorpusAuditFunctionName: this.gate.corpusAudit.function.functionName,
      CheckpointGateDeadLetterQueueUrl: this.gate.checkpointGate.deadLetterQueue.queueUrl,
      CheckpointGateStartFunctionName: this.gate.checkpointGate.functions.start.functionName,
      CheckpointGateRecordFunctionName: this.gate.checkpointGate.functions.record.functionName,
      RegisterRunFunctionName: this.gate.registerRun.functionName,
    };
    const { canary } = this.gate;
    if (canary) {
      outputs.CanaryFunctionUrl = canary.functionUrl.url;
      outputs.CanaryRolloutStateMachineArn = canary.stateMachine.stateMachineArn;
      // What `finegate canary status|rollback|promote` reads and calls.
      outputs.CanaryRouterFunctionName = canary.functions.router.functionName;
      outputs.CanaryRollbackFunctionName = canary.functions.rollback.functionName;
      outputs.CanaryRolloutStepFunctionName = canary.functions.rolloutStep.functionName;
      outputs.CanaryAlarmNamePrefix = canary.alarmNamePrefix;
      outputs.CanaryDeadLetterQueueUrl = canary.deadLetterQueue.queueUrl;
      outputs.CanaryShadowQueueUrl = canary.shadowQueue.queueUrl;
      if (canary.shadowDeadLetterQueue) outputs.CanaryShadowDeadLetterQueueUrl = canary.shadowDeadLetterQueue.queueUrl;
    }
    for (const [key, value] of Object.entries(outputs)) new CfnOutput(this, key, { value });
  }
}
