import { Construct } from 'constructs';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { API_KEY_SECRET_ARN_VARIABLE } from '../functions/models/api-key';
import { registerRunPattern } from '../events/run-registered';
import { Canary, type CanaryProps } from './canary';
import { CheckpointGate, type CheckpointGateProps } from './checkpoint-gate';
import { bedrockModelArns, CorpusAudit, type AuditFunctionProps } from './corpus-audit';
import { FinegateFunction } from './finegate-function';
import { ShardedAudit } from './sharded-audit';
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
  /**
   * The Secrets Manager secret holding the API key of the OpenAI-compatible server `openai:` models call (plain text,
   * or JSON with an `apiKey` field). The functions that call models get its ARN in OPENAI_API_KEY_SECRET_ARN and may
   * read it (GetSecretValue only); a key in a function's environment is refused.
   */
  readonly openAiApiKeySecret?: secretsmanager.ISecret;
  /**
   * Corpora larger than this (a gzip corpus counted at 4× its size) are audited by the sharded audit, a Step Functions
   * Distributed Map over the corpus, instead of one Lambda. @default 1 GiB
   */
  readonly shardThresholdBytes?: number;
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
  /** The sharded corpus audit, for corpora beyond one Lambda (the corpus-audit function hands them over). */
  public readonly shardedAudit: ShardedAudit;
  /** The canary, when the `canary` prop is given. */
  public readonly canary?: Canary;

  constructor(scope: Construct, id: string, props: FineTuneGateProps = {}) {
    super(scope, id);
    const { corpusPrefix, artifactsPrefix, auditFunctionProps, auditConfig, gateModels, checkpointGateProps, canary, openAiApiKeySecret, shardThresholdBytes, ...storageProps } =
      props;
    this.storage = new Storage(this, 'Storage', storageProps);
    this.corpusAudit = new CorpusAudit(this, 'CorpusAudit', {
      storage: this.storage,
      corpusPrefix,
      artifactsPrefix,
      functionProps: auditFunctionProps,
      auditConfig,
    });
    this.shardedAudit = new ShardedAudit(this, 'ShardedAudit', { storage: this.storage, corpusPrefix, artifactsPrefix, auditConfig });
    this.shardedAudit.connectHandoff(this.corpusAudit.function, ...(shardThresholdBytes === undefined ? [] : [shardThresholdBytes]));
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
    this.grantTableKeys();
    if (openAiApiKeySecret) this.grantApiKeySecret(openAiApiKeySecret);

    new events.Rule(this, 'RegisterRunRule', {
      description: 'Registers a run (pins its thresholds) from a Register Run event',
      eventBus: this.storage.eventBus,
      eventPattern: registerRunPattern() as events.EventPattern,
      // A registration that fails every attempt is kept with the checkpoint gate's dead letters, for `finegate dlq redrive`.
      targets: [new targets.LambdaFunction(this.registerRun, { retryAttempts: 4, deadLetterQueue: this.checkpointGate.deadLetterQueue })],
    });
  }

  /** With a customer managed key, each function that reads or writes a table gets exactly that use of the key. */
  private grantTableKeys(): void {
    const { storage, corpusAudit, checkpointGate, registerRun, canary } = this;
    const gate = checkpointGate.functions;
    const uses: [FinegateFunction, 'read' | 'write'][] = [
      [corpusAudit.function, 'write'],
      [this.shardedAudit.functions.reduce, 'write'],
      [registerRun, 'write'],
      [gate.start, 'read'],
      [gate.loadRun, 'read'],
      [gate.scoreBatch, 'write'],
      [gate.decide, 'read'],
      [gate.record, 'write'],
      [gate.arenaPlan, 'read'],
      [gate.arenaBatch, 'write'],
      [gate.arenaDecide, 'read'],
      ...(canary
        ? ([
            [canary.functions.scorer, 'write'],
            [canary.functions.rolloutStep, 'write'],
            [canary.functions.rollback, 'write'],
          ] as [FinegateFunction, 'write'][])
        : []),
    ];
    for (const [fn, use] of uses) storage.grantTableKey(fn, use);
  }

  /** The functions that call models read the API key from the secret; nothing else may. */
  private grantApiKeySecret(secret: secretsmanager.ISecret): void {
    const callers = [
      this.corpusAudit.function,
      // The sharded audit's reduce runs the same model checks (label noise by a judge, paraphrases by embeddings).
      this.shardedAudit.functions.reduce,
      this.checkpointGate.functions.scoreBatch,
      this.checkpointGate.functions.arenaBatch,
      ...(this.canary ? [this.canary.functions.router, this.canary.functions.scorer] : []),
    ];
    // A secret named without its random suffix is matched by the six characters Secrets Manager appends.
    const arn = secret.secretFullArn ?? `${secret.secretArn}-??????`;
    const stack = Stack.of(this);
    for (const fn of callers) {
      fn.addEnvironment(API_KEY_SECRET_ARN_VARIABLE, secret.secretArn);
      fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'ReadApiKeySecret', actions: ['secretsmanager:GetSecretValue'], resources: [arn] }));
      if (secret.encryptionKey) {
        iam.Grant.addToPrincipal({
          grantee: fn,
          actions: ['kms:Decrypt'],
          resourceArns: [secret.encryptionKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.${stack.urlSuffix}` } },
        });
      }
    }
  }
}
