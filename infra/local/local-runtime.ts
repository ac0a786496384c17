import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { LOCAL_RUNTIME_VARIABLE } from '../../functions/models/api-key';
import type { FinegateStackProps } from '../finegate-stack';
import { AlarmEvaluator, alarmStateChangeEvent, fromPutMetricAlarmInput, fromTemplateProperties, type AlarmStateChange } from './alarm-evaluator';
import { startCloudWatchServer } from './cloudwatch-server';
import { startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local';
import { parseEmfLine } from './emf-parser';
import { freePort } from './free-port';
import { functionUrlFor, startLambdaServer, type LambdaInvocationRecord } from './lambda-server';
import { LambdaVersions } from './lambda-versions';
import { MetricStore } from './metric-store';
import { LocalQueues } from './sqs-queues';
import { localQueueUrl, startSqsServer } from './sqs-server';
import { compileEventPattern } from './event-pattern';
import {
  EventRouter,
  type DeadLetterRecord,
  type InvocationRecord,
  type PublishedEventRecord,
  type QueueMessageRecord,
  type RetryBackoff,
} from './event-router';
import { startEventBridgeServer, type ExtraRoutes, type LocalEventBridgeServer } from './eventbridge-server';
import { LambdaInvoker, type InvocationOutcome } from './lambda-invoker';
import {
  applyEnvironment,
  LOCAL_ACCOUNT_ID,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  LOCAL_STACK_NAME,
  localSdkEnvironment,
  type LocalEndpoints,
} from './local-aws-environment';
import { s3ObjectCreatedEvent } from './s3-object-created-event';
import { startS3Server, type LocalS3Server } from './s3-server';
import { LocalStepFunctions, type ExecutionRecord } from './stepfunctions-executions';
import type { DelayScaling } from './stepfunctions-local-bindings';
import { startStepFunctionsServer } from './stepfunctions-server';
import { executionStatusChangeEvent } from './stepfunctions-status-event';
import { readTemplate, type FunctionModel, type TableModel, type TemplateModel } from './template-model';

/*
 * finegate on embedded services: the CDK template is synthesized, DynamoDB Local, an S3 server and an
 * EventBridge endpoint are started, the template's buckets and tables are created under local physical names,
 * and events flow as the template wires them: S3 "Object Created" events from buckets with EventBridge
 * notifications on go to the default bus, handlers publish through the real EventBridge client, and rules
 * deliver matching events to their target functions, which run in this process. The template's state machines
 * run behind a Step Functions endpoint (the real SFN client reaches it via AWS_ENDPOINT_URL_SFN); their Lambda
 * tasks call the same in-process functions. Invocations from rules and from tasks share one queue, because
 * each sets the function's environment on the process.
 */

const PROJECT_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

export interface LocalRuntimeOptions {
  /** A synthesized template to run; by default the finegate stack is synthesized with `stackProps`. */
  template?: Record<string, unknown>;
  stackProps?: FinegateStackProps;
  stackName?: string;
  region?: string;
  account?: string;
  /** Template parameter values over their defaults. */
  parameters?: Record<string, string>;
  /** Handler entries are resolved against this directory. @default the repository root */
  projectRoot?: string;
  /** Point this process's SDK clients at the local services (process.env). @default true */
  applyToProcessEnv?: boolean;
  /** Delays between retries, scaled down from AWS's. */
  retryBackoff?: RetryBackoff;
  /** Retry intervals and Wait durations of state machines, scaled down from Step Functions'. */
  stateMachineDelays?: DelayScaling;
  /**
   * How many times faster than AWS time CloudWatch alarm periods and SQS visibility timeouts run: at 60, an alarm
   * with a one-minute period evaluates every wall second. Metrics keep their wall timestamps and GetMetricData
   * answers in wall time, unscaled. @default 60
   */
  timeScale?: number;
  dynamoDbPort?: number;
  /** Extra routes served next to the EventBridge API (serve.ts exposes its control API here). */
  extraRoutes?: ExtraRoutes;
  log?: (line: string) => void;
}

export interface LocalResources {
  buckets: Array<{ logicalId: string; name: string; eventBridgeEnabled: boolean; versioned: boolean }>;
  tables: Array<{ logicalId: string; name: string }>;
  buses: Array<{ logicalId?: string; name: string }>;
  queues: Array<{ logicalId: string; name: string; url: string }>;
  functions: Array<{ logicalId: string; name: string; entry?: string }>;
  rules: Array<{ logicalId: string; name: string; eventBusName: string }>;
  stateMachines: Array<{ logicalId: string; name: string; arn: string; type: string }>;
  alarms: Array<{ logicalId: string; name: string }>;
  /** Function URLs: the function, its alias, and where the local runtime serves it. */
  functionUrls: Array<{ logicalId: string; functionName: string; qualifier?: string; url: string }>;
}

export interface RuntimeEndpoints extends LocalEndpoints {
  /** The Step Functions API (AWS_ENDPOINT_URL_SFN). */
  stepfunctions: string;
  /** The Lambda API and the functions' URLs (AWS_ENDPOINT_URL_LAMBDA). */
  lambda: string;
  /** SQS (AWS_ENDPOINT_URL_SQS); queue URLs name this endpoint. */
  sqs: string;
  /** CloudWatch metrics and alarms (AWS_ENDPOINT_URL_CLOUDWATCH). */
  cloudwatch: string;
}

/** Everything a client in another process needs to use the runtime; JSON-serialisable. */
export interface LocalRuntimeInfo {
  endpoints: RuntimeEndpoints;
  region: string;
  account: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** SDK variables to set (and names to unset) in a process that talks to the runtime. */
  environment: { set: Record<string, string>; unset: string[] };
  resources: LocalResources;
  outputs: Record<string, string>;
  startupMs: number;
}

export interface WaitOptions {
  timeoutMs?: number;
}

export interface LocalRuntime extends LocalRuntimeInfo {
  template: TemplateModel;
  /** The value of a stack output; throws for an unknown key. */
  output(key: string): string;
  info(): LocalRuntimeInfo;
  /**
   * Puts an event on a bus directly, as an AWS service would (PutEvents refuses `aws.*` sources).
   * Envelope fields left out (id, time, account, region, resources, version) are filled in.
   */
  publish(eventBusName: string, event: Record<string, unknown>): PublishedEventRecord;
  events(): readonly PublishedEventRecord[];
  invocations(): readonly InvocationRecord[];
  deadLetters(): readonly DeadLetterRecord[];
  queueMessages(): readonly QueueMessageRecord[];
  onEvent(pattern: Record<string, unknown>, callback: (record: PublishedEventRecord) => void, options?: { eventBusName?: string }): () => void;
  /** The first event (already published or still to come) that matches the pattern. */
  waitForEvent(pattern: Record<string, unknown>, options?: WaitOptions & { eventBusName?: string }): Promise<PublishedEventRecord>;
  /** Step Functions executions, in the order they were started. */
  executions(): readonly ExecutionRecord[];
  /**
   * The execution (by ARN, or by name: the latest of that name) once it has closed, waiting for it to be
   * started if it has not been yet.
   */
  waitForExecution(nameOrArn: string, options?: WaitOptions): Promise<ExecutionRecord>;
  /** Resolves once every delivery, invocation, retry and execution has finished. */
  waitForIdle(options?: WaitOptions): Promise<void>;
  /** Functions' versions and aliases, as the Lambda API sees and changes them. */
  lambda: LambdaVersions;
  /** Invocations through the Lambda API and Function URLs, with the version that ran. */
  lambdaInvocations(): readonly LambdaInvocationRecord[];
  /** Every datapoint handlers emitted (EMF) or Lambda recorded (AWS/Lambda). */
  metrics: MetricStore;
  /** The template's alarms and those put at run time, evaluated at `timeScale`. */
  alarms: AlarmEvaluator;
  /** Every alarm state change, in order (each was also published on the default bus). */
  alarmChanges(): readonly AlarmStateChange[];
  queues: LocalQueues;
  stop(): Promise<void>;
}

export async function startLocalRuntime(options: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  const started = Date.now();
  const region = options.region ?? LOCAL_REGION;
  const account = options.account ?? LOCAL_ACCOUNT_ID;
  const stackName = options.stackName ?? LOCAL_STACK_NAME;
  const log = options.log ?? ((line: string) => process.stderr.write(`[local-runtime] ${line}\n`));
  const stoppers: Array<() => Promise<void> | void> = [];
  let router: EventRouter | undefined;

  // The JVM boots in its own process while this one synthesizes the template.
  let spawned!: () => void;
  const jvmStarted = new Promise<void>((r) => (spawned = r));
  const dynamoSettled = startDynamoDbLocal({ ...(options.dynamoDbPort ? { port: options.dynamoDbPort } : {}), onSpawned: spawned }).then(
    (dynamo) => {
      stoppers.push(() => dynamo.stop());
      return dynamo;
    },
  );
  dynamoSettled.catch(() => {});

  try {
    await Promise.race([jvmStarted, dynamoSettled.then(() => {}, () => {})]);

    const s3 = await startS3Server();
    stoppers.push(() => s3.stop());
    const eventBridge: LocalEventBridgeServer = await startEventBridgeServer({
      account,
      region,
      onEvents: (published) => {
        for (const { eventBusName, event } of published) router?.publish(eventBusName, { ...event }, 'put-events');
      },
      ...(options.extraRoutes ? { extraRoutes: options.extraRoutes } : {}),
    });
    stoppers.push(() => eventBridge.stop());

    // Function URLs and queue URLs are in the template's values, so their servers' addresses are fixed first.
    const [lambdaPort, sqsPort, cloudWatchPort] = await Promise.all([freePort(), freePort(), freePort()]);
    const lambdaEndpoint = `http://127.0.0.1:${lambdaPort}`;
    const sqsEndpoint = `http://127.0.0.1:${sqsPort}`;
    const rawTemplate = options.template ?? (await synthesize(options.stackProps));
    const model = readTemplate(rawTemplate, {
      stackName,
      account,
      region,
      partition: 'aws',
      ...(options.parameters ? { parameters: options.parameters } : {}),
      functionUrl: (functionName, qualifier) => functionUrlFor(lambdaEndpoint, functionName, qualifier),
      queueUrl: (queueName) => localQueueUrl(sqsEndpoint, `arn:aws:sqs:${region}:${account}:${queueName}`, queueName),
    });
    const timeScale = options.timeScale ?? 60;

    // Lambda: the template's published versions (numbered in template order) and aliases exist from the start.
    const versions = new LambdaVersions(model.functions);
    const functionsByLogicalId = new Map(model.functions.map((f) => [f.logicalId, f]));
    for (const version of model.functionVersions) {
      const fn = functionsByLogicalId.get(version.functionLogicalId)!;
      const published = versions.publishVersion(fn.name, version.description === undefined ? {} : { description: version.description });
      if (published.Version !== version.version) log(`version ${version.logicalId} of ${fn.name} published as ${published.Version}, the template expects ${version.version}`);
    }
    for (const alias of model.aliases) {
      const fn = functionsByLogicalId.get(alias.functionLogicalId)!;
      versions.createAlias(fn.name, {
        name: alias.name,
        functionVersion: alias.functionVersion,
        ...(alias.description === undefined ? {} : { description: alias.description }),
        ...(alias.additionalVersionWeights ? { routingConfig: { AdditionalVersionWeights: alias.additionalVersionWeights } } : {}),
      });
    }

    // CloudWatch: metrics from EMF and Lambda, the template's alarms evaluated at timeScale.
    const metrics = new MetricStore();
    const alarms = new AlarmEvaluator(metrics, { timeScale, account, region, onError: (error) => log(`alarm evaluation: ${error instanceof Error ? error.message : String(error)}`) });
    for (const alarm of model.alarms) {
      try {
        alarms.define(fromTemplateProperties(alarm.properties));
      } catch (error) {
        log(`alarm ${alarm.name} cannot be evaluated locally: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    const alarmLog: AlarmStateChange[] = [];
    alarms.onStateChange((change) => {
      alarmLog.push(change);
      log(`alarm ${change.alarmName}: ${change.previousState.value} -> ${change.state.value} (${change.state.reason})`);
      // CloudWatch reports alarm state changes on the account's default bus.
      router?.publish('default', alarmStateChangeEvent(change, { account, region }) as Record<string, unknown>, 'runtime');
    });

    // The invoker needs every endpoint, the Step Functions one included, so it is created once they are known;
    // nothing can invoke before startup returns.
    let invoker: LambdaInvoker | undefined;
    const invoke = serialised((fn: FunctionModel, payload: unknown) => {
      if (!invoker) throw new Error('the local runtime is still starting');
      // An unqualified call runs $LATEST as UpdateFunctionConfiguration last left it.
      return invoker.invoke(fn.version === undefined ? versions.resolve(fn.name).fn : fn, payload);
    });
    const stepFunctions = new LocalStepFunctions({
      model,
      invoke,
      ...(options.stateMachineDelays ? { delays: options.stateMachineDelays } : {}),
      // Step Functions reports STANDARD executions starting and closing on the default bus.
      onStatusChange: (record) =>
        router?.publish('default', executionStatusChangeEvent(record, { account, region }) as unknown as Record<string, unknown>, 'runtime'),
      awsSdk: (service, action, parameters) => {
        if (service !== 'cloudwatch') return undefined;
        if (action === 'putMetricAlarm') return Promise.resolve().then(() => (alarms.define(fromPutMetricAlarmInput(parameters)), {}));
        if (action === 'deleteAlarms') return Promise.resolve().then(() => (alarms.delete((parameters.AlarmNames as string[] | undefined) ?? []), {}));
        return undefined;
      },
      log,
    });
    const sfnServer = await startStepFunctionsServer({ service: stepFunctions });
    stoppers.push(() => sfnServer.stop());

    const cloudWatch = await startCloudWatchServer({ store: metrics, evaluator: alarms, port: cloudWatchPort });
    stoppers.push(() => cloudWatch.stop());
    const lambdaLog: LambdaInvocationRecord[] = [];
    const lambdaServer = await startLambdaServer({
      versions,
      invoke,
      account,
      region,
      port: lambdaPort,
      onInvocation: (record) => {
        lambdaLog.push(record);
        recordLambdaMetrics(metrics, record);
      },
    });
    stoppers.push(() => lambdaServer.stop());
    const queues = new LocalQueues({
      queues: model.queues.map((q) => ({
        name: q.name,
        arn: q.arn,
        url: q.url,
        visibilityTimeoutSeconds: q.visibilityTimeoutSeconds,
        ...(q.redrive ? { deadLetterArn: q.redrive.deadLetterArn, maxReceiveCount: q.redrive.maxReceiveCount } : {}),
      })),
      region,
      timeScale,
      onDeadLetter: (e) => log(`message ${e.messageId} moved from ${e.from} to dead-letter queue ${e.to} after ${e.receiveCount} receives`),
    });
    stoppers.push(() => queues.close());
    const sqsServer = await startSqsServer({ queues, port: sqsPort });
    stoppers.push(() => sqsServer.stop());

    const dynamo: DynamoDbLocal = await dynamoSettled;
    const endpoints: RuntimeEndpoints = {
      s3: s3.endpoint,
      dynamodb: dynamo.endpoint,
      eventbridge: eventBridge.endpoint,
      stepfunctions: sfnServer.endpoint,
      lambda: lambdaServer.endpoint,
      sqs: sqsServer.endpoint,
      cloudwatch: cloudWatch.endpoint,
    };
    const environment = localSdkEnvironment(endpoints, region);
    environment.set.AWS_ENDPOINT_URL_SFN = sfnServer.endpoint;
    environment.set.AWS_ENDPOINT_URL_LAMBDA = lambdaServer.endpoint;
    environment.set.AWS_ENDPOINT_URL_SQS = sqsServer.endpoint;
    environment.set.AWS_ENDPOINT_URL_CLOUDWATCH = cloudWatch.endpoint;
    invoker = new LambdaInvoker({
      projectRoot: options.projectRoot ?? PROJECT_ROOT,
      region,
      // Functions here may take OPENAI_API_KEY from this process, as the CLI does: there is no Secrets Manager.
      baseEnvironment: { ...environment.set, [LOCAL_RUNTIME_VARIABLE]: 'true' },
      // What a function prints in embedded metric format becomes metrics, as CloudWatch Logs makes it.
      onStdoutLine: (_fn, line) => {
        if (!line.includes('"_aws"')) return false;
        const datapoints = parseEmfLine(line, (reason) => log(`EMF line ignored: ${reason}`));
        for (const datapoint of datapoints) {
          try {
            metrics.put(datapoint);
          } catch (error) {
            log(`EMF datapoint refused: ${error instanceof Error ? error.message : String(error)}`);
          }
        }
        return datapoints.length > 0;
      },
    });

    await Promise.all([
      ...model.buckets.map((bucket) => s3.createBucket(bucket.name, { versioned: bucket.versioned })),
      createTables(dynamo.endpoint, region, model.tables),
    ]);

    if (options.applyToProcessEnv ?? true) {
      const restore = applyEnvironment(environment);
      stoppers.push(restore);
    }
    // Handlers' cached SDK clients must be rebuilt against these endpoints (and again after stop).
    await resetHandlerClients();
    stoppers.push(resetHandlerClients);

    const activeRouter = new EventRouter({
      model,
      invoke,
      startExecution: (stateMachineArn, input) => void stepFunctions.startExecution({ stateMachineArn, input }),
      sendMessage: (queueName, body, attributes) =>
        void queues.send(queueName, {
          body,
          messageAttributes: Object.fromEntries(Object.entries(attributes).map(([name, value]) => [name, { DataType: 'String', StringValue: value }])),
        }),
      ...(options.retryBackoff ? { backoff: options.retryBackoff } : {}),
      log,
    });
    router = activeRouter;
    stoppers.push(() => activeRouter.stop());
    // Stopped first (stoppers run in reverse): running executions are aborted before anything they use goes.
    stoppers.push(() => stepFunctions.stop());

    // SQS event source mappings deliver batches as Lambda's pollers do.
    for (const mapping of model.eventSourceMappings.filter((m) => m.enabled)) {
      const fn = functionsByLogicalId.get(mapping.functionLogicalId)!;
      const queue = model.queues.find((q) => q.logicalId === mapping.queueLogicalId)!;
      const attached = queues.attach({
        queueName: queue.name,
        batchSize: mapping.batchSize,
        maximumBatchingWindowMs: (mapping.maximumBatchingWindowSeconds * 1000) / timeScale,
        reportBatchItemFailures: mapping.reportBatchItemFailures,
        invoke: async (event) => {
          const outcome = await invoke(fn, event);
          const record: LambdaInvocationRecord = { functionName: fn.name, executedVersion: '$LATEST', durationMs: outcome.durationMs, error: outcome.outcome !== 'success', at: new Date(), source: 'event' };
          lambdaLog.push(record);
          recordLambdaMetrics(metrics, record);
          return outcome;
        },
      });
      stoppers.push(() => attached.detach());
    }
    alarms.start();
    stoppers.push(() => alarms.stop());

    const notifying = new Set(model.buckets.filter((b) => b.eventBridgeEnabled).map((b) => b.name));
    s3.onObjectCreated((record) => {
      if (!notifying.has(record.bucket)) return;
      activeRouter.publish('default', s3ObjectCreatedEvent(record, { account, region }) as unknown as Record<string, unknown>, 's3');
    });

    const info: LocalRuntimeInfo = {
      endpoints,
      region,
      account,
      credentials: { ...LOCAL_CREDENTIALS },
      environment,
      resources: resourcesOf(model, lambdaServer.endpoint),
      outputs: { ...model.outputs },
      startupMs: Date.now() - started,
    };

    let stopping: Promise<void> | undefined;
    return {
      ...info,
      template: model,
      info: () => info,
      output(key) {
        const value = model.outputs[key];
        if (value === undefined) throw new Error(`no stack output ${key}; outputs: ${Object.keys(model.outputs).join(', ')}`);
        return value;
      },
      publish: (eventBusName, event) => activeRouter.publish(eventBusName, completeEnvelope(event, account, region), 'runtime'),
      events: () => activeRouter.events(),
      invocations: () => activeRouter.invocations(),
      deadLetters: () => activeRouter.deadLetters(),
      queueMessages: () => activeRouter.queueMessages(),
      onEvent: (pattern, callback, onEventOptions) => activeRouter.onEvent(pattern, callback, onEventOptions),
      waitForEvent: (pattern, waitOptions = {}) => waitForEvent(activeRouter, pattern, waitOptions),
      executions: () => stepFunctions.executions(),
      waitForExecution: (nameOrArn, waitOptions) => stepFunctions.waitForExecution(nameOrArn, waitOptions ?? {}),
      waitForIdle: (waitOptions) => waitForAllIdle(activeRouter, stepFunctions, queues, waitOptions?.timeoutMs ?? 60_000),
      lambda: versions,
      lambdaInvocations: () => lambdaLog,
      metrics,
      alarms,
      alarmChanges: () => alarmLog,
      queues,
      stop: () => (stopping ??= runStoppers(stoppers)),
    };
  } catch (error) {
    // Let a JVM still booting finish, so that it is stopped too.
    await dynamoSettled.catch(() => {});
    await runStoppers(stoppers).catch(() => {});
    throw error;
  }
}

/** One invocation at a time, whoever asks: each sets its function's environment on this process. */
function serialised(
  invoke: (fn: FunctionModel, payload: unknown) => Promise<InvocationOutcome>,
): (fn: FunctionModel, payload: unknown) => Promise<InvocationOutcome> {
  let tail: Promise<unknown> = Promise.resolve();
  return (fn, payload) => {
    const run = tail.then(() => invoke(fn, payload));
    tail = run.catch(() => {});
    return run;
  };
}

/**
 * Idle means: no delivery or invocation pending and no execution running. Executions invoke functions and
 * functions start executions, so both are awaited until a pass finds both quiet.
 */
async function waitForAllIdle(router: EventRouter, stepFunctions: LocalStepFunctions, queues: LocalQueues, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const remaining = () => Math.max(1, deadline - Date.now());
  for (;;) {
    await router.waitForIdle({ timeoutMs: remaining() });
    await queues.waitForIdle(remaining());
    if (stepFunctions.runningCount() === 0 && router.pendingCount() === 0) return;
    await stepFunctions.waitForIdle({ timeoutMs: remaining() });
  }
}

/**
 * Lambda's own metrics of an invocation (namespace AWS/Lambda): Invocations, Errors and Duration by FunctionName;
 * by FunctionName and Resource (`name:alias`) for a qualified call; and by Resource and ExecutedVersion for a call
 * through an alias, which is what the canary's version alarms watch.
 */
function recordLambdaMetrics(metrics: MetricStore, record: LambdaInvocationRecord): void {
  const timestamp = record.at.getTime();
  const sets: Record<string, string>[] = [{ FunctionName: record.functionName }];
  if (record.qualifier !== undefined && record.qualifier !== '$LATEST') {
    const resource = `${record.functionName}:${record.qualifier}`;
    sets.push({ FunctionName: record.functionName, Resource: resource });
    if (record.executedVersion !== record.qualifier) sets.push({ FunctionName: record.functionName, Resource: resource, ExecutedVersion: record.executedVersion });
  }
  for (const dimensions of sets) {
    const put = (metricName: string, value: number, unit: string) => metrics.put({ namespace: 'AWS/Lambda', metricName, dimensions, timestamp, values: [value], unit });
    put('Invocations', 1, 'Count');
    put('Errors', record.error ? 1 : 0, 'Count');
    put('Duration', record.durationMs, 'Milliseconds');
  }
}

async function synthesize(stackProps?: FinegateStackProps): Promise<Record<string, unknown>> {
  // Loaded on demand: the CDK is heavy, and callers that pass a template do not need it.
  const { synthesizeTemplate } = await import('../synthesize-template');
  return synthesizeTemplate(stackProps);
}

async function createTables(endpoint: string, region: string, tables: TableModel[]): Promise<void> {
  const client = new DynamoDBClient({ endpoint, region, credentials: LOCAL_CREDENTIALS });
  try {
    await Promise.all(
      tables.map(async (table) => {
        // On-demand locally whatever the template says: DynamoDB Local does not throttle either way.
        await client.send(
          new CreateTableCommand({
            TableName: table.name,
            KeySchema: table.keySchema,
            AttributeDefinitions: table.attributeDefinitions,
            BillingMode: 'PAY_PER_REQUEST',
            ...(table.globalSecondaryIndexes.length > 0 ? { GlobalSecondaryIndexes: table.globalSecondaryIndexes } : {}),
            ...(table.localSecondaryIndexes.length > 0 ? { LocalSecondaryIndexes: table.localSecondaryIndexes } : {}),
          } as ConstructorParameters<typeof CreateTableCommand>[0]),
        );
        if (table.ttlAttribute) {
          await client.send(
            new UpdateTimeToLiveCommand({ TableName: table.name, TimeToLiveSpecification: { AttributeName: table.ttlAttribute, Enabled: true } }),
          );
        }
      }),
    );
  } finally {
    client.destroy();
  }
}

async function resetHandlerClients(): Promise<void> {
  try {
    const clients = (await import('../../functions/stores/aws-clients')) as { resetAwsClients?: () => void };
    clients.resetAwsClients?.();
  } catch {
    // A template whose handlers do not use the shared client module.
  }
}

function waitForEvent(
  router: EventRouter,
  pattern: Record<string, unknown>,
  options: WaitOptions & { eventBusName?: string },
): Promise<PublishedEventRecord> {
  const match = compileEventPattern(pattern);
  const already = router
    .events()
    .find((record) => (options.eventBusName === undefined || record.eventBusName === options.eventBusName) && match(record.event));
  if (already) return Promise.resolve(already);
  const timeoutMs = options.timeoutMs ?? 60_000;
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`no event matching ${JSON.stringify(pattern)} within ${timeoutMs} ms`));
    }, timeoutMs);
    const unsubscribe = router.onEvent(
      pattern,
      (record) => {
        clearTimeout(timer);
        unsubscribe();
        resolvePromise(record);
      },
      options.eventBusName !== undefined ? { eventBusName: options.eventBusName } : {},
    );
  });
}

/** Fills the envelope fields EventBridge adds (id, time, account, region…) where the caller left them out. */
function completeEnvelope(event: Record<string, unknown>, account: string, region: string): Record<string, unknown> {
  return {
    version: '0',
    id: randomUUID(),
    time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    account,
    region,
    resources: [],
    detail: {},
    ...event,
  };
}

function resourcesOf(model: TemplateModel, lambdaEndpoint: string): LocalResources {
  const functionName = (logicalId: string) => model.functions.find((f) => f.logicalId === logicalId)?.name ?? logicalId;
  return {
    alarms: model.alarms.map(({ logicalId, name }) => ({ logicalId, name })),
    functionUrls: model.functionUrls.map((u) => ({
      logicalId: u.logicalId,
      functionName: functionName(u.functionLogicalId),
      ...(u.qualifier === undefined ? {} : { qualifier: u.qualifier }),
      url: functionUrlFor(lambdaEndpoint, functionName(u.functionLogicalId), u.qualifier),
    })),
    buckets: model.buckets.map(({ logicalId, name, eventBridgeEnabled, versioned }) => ({ logicalId, name, eventBridgeEnabled, versioned })),
    tables: model.tables.map(({ logicalId, name }) => ({ logicalId, name })),
    buses: model.buses.map(({ logicalId, name }) => (logicalId ? { logicalId, name } : { name })),
    queues: model.queues.map(({ logicalId, name, url }) => ({ logicalId, name, url })),
    functions: model.functions.map(({ logicalId, name, entry }) => (entry ? { logicalId, name, entry } : { logicalId, name })),
    rules: model.rules.map(({ logicalId, name, eventBusName }) => ({ logicalId, name, eventBusName })),
    stateMachines: model.stateMachines.map(({ logicalId, name, arn, type }) => ({ logicalId, name, arn, type })),
  };
}

async function runStoppers(stoppers: Array<() => Promise<void> | void>): Promise<void> {
  // Last started, first stopped; one failure does not keep the others running.
  const errors: unknown[] = [];
  for (const stop of [...stoppers].reverse()) {
    try {
      await stop();
    } catch (error) {
      errors.push(error);
    }
  }
  stoppers.length = 0;
  if (errors.length > 0) throw new AggregateError(errors, 'local runtime did not stop cleanly');
}
