import { Construct } from 'constructs';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { Stack } from 'aws-cdk-lib';
import { registerRunPattern } from '../events/run-registered';
import { Canary, type CanaryProps } from './canary';
import { CheckpointGate, type CheckpointGateProps } from './checkpoint-gate';
import { bedrockModelArns, CorpusAudit, type AuditFunctionProps } from './corpus-audit';
import { FinegateFunction } from './finegate-function';
import { Storage, type StorageProps } from './storage';

export interface FineTuneGateProps extends StorageProps {
  /** Key prefix of the corpora to audit in the corpora bucket, '' for the whole bucket. @default 'corpora/' */
  readonly corpusPrefix?: string;
  /** Key prefix of the audit artifacts in the artifacts bucket. @default 'audits/' */
  readonly artifactsPrefix?: string;
  /** Overrides merged over the corpus-audit function defaults (4096 MB, 15 minutes). */
  readonly auditFunctionProps?: AuditFunctionProps;
  /** Audit configuration, passed to the corpus-audit function JSON-encoded in AUDIT_CONFIG. */
  readonly auditConfig?: Record<string, unknown>;
  /**
   * Bedrock models (`bedrock:<modelId>` references) the checkpoint gate may call as base, candidate or judge. Runs
   * are registered after deployment, so the models they name must be listed here; others are refused by IAM and the
   * gate records INCONCLUSIVE.
   */
  readonly gateModels?: string[];
  /** Overrides for the checkpoint gate (stage 2). */
  readonly checkpointGateProps?: Omit<CheckpointGateProps, 'storage' | 'bedrockModelArns'>;
  /**
   * The canary (stage 4), created only when given: it needs the model the router serves first (`currentModel`).
   * Its Bedrock models default to the gate's (`gateModels`).
   */
  readonly canary?: Omit<CanaryProps, 'storage'>;
}

/**
 * finegate in one construct: the shared storage and every stage's gate over it.
 * Drop it into any stack; what it creates is exposed for extension.
 */
export class FineTuneGate extends Construct {
  public readonly storage: Storage;
  public readonly corpusAudit: CorpusAudit;
  public readonly checkpointGate: CheckpointGate;
  /** Registers runs from `Register Run` events on the finegate bus (the CLI writes directly). */
  public readonly registerRun: FinegateFunction;
  /** The canary, when the `canary` prop is given. */
  public readonly canary?: Canary;

  constructor(scope: Construct, id: string, props: FineTuneGateProps = {}) {
    super(scope, id);
    const { corpusPrefix, artifactsPrefix, auditFunctionProps, auditConfig, gateModels, checkpointGateProps, canary, ...storageProps } = props;
    this.storage = new Storage(this, 'Storage', storageProps);
    this.corpusAudit = new CorpusAudit(this, 'CorpusAudit', {
      storage: this.storage,
      corpusPrefix,
      artifactsPrefix,
      functionProps: auditFunctionProps,
      auditConfig,
    });
    const stack = Stack.of(this);
    const gateModelArns = (gateModels ?? []).filter((m) => m.startsWith('bedrock:')).flatMap((m) => bedrockModelArns(stack, m.slice('bedrock:'.length).replace(/#.*$/, '')));
    this.checkpointGate = new CheckpointGate(this, 'CheckpointGate', {
      ...checkpointGateProps,
      storage: this.storage,
      bedrockModelArns: gateModelArns,
    });
    if (canary) {
      // The canary serves and judges the models the gate passed, so it may call the same ones unless told otherwise.
      this.canary = new Canary(this, 'Canary', { ...canary, storage: this.storage, bedrockModelArns: canary.bedrockModelArns ?? gateModelArns });
    }

    this.registerRun = new FinegateFunction(this, 'RegisterRunFunction', {
      entry: 'functions/register-run.ts',
      environment: {
        RUNS_TABLE: this.storage.runsTable.tableName,
        VERDICTS_TABLE: this.storage.verdictsTable.tableName,
        EVENT_BUS_NAME: this.storage.eventBus.eventBusName,
      },
    });
    // The record, its training-job claims and its study entry are puts in one TransactWriteItems (authorized as
    // PutItem); a refused registration reads the existing record or claim to say why.
    this.storage.runsTable.grant(this.registerRun, 'dynamodb:GetItem', 'dynamodb:PutItem');
    // The corpus audit the run names: by object version (GetItem), else among the corpus's audits (Query).
    this.storage.verdictsTable.grant(this.registerRun, 'dynamodb:GetItem', 'dynamodb:Query');
    this.storage.eventBus.grantPutEventsTo(this.registerRun);
    new events.Rule(this, 'RegisterRunRule', {
      description: 'Registers a run (pins its thresholds) from a Register Run event',
      eventBus: this.storage.eventBus,
      eventPattern: registerRunPattern() as events.EventPattern,
      targets: [new targets.LambdaFunction(this.registerRun, { retryAttempts: 4 })],
    });
  }
}
