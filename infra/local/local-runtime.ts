import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import type { FinegateStackProps } from '../finegate-stack';
import { startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local';
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
}

export interface RuntimeEndpoints extends LocalEndpoints {
  /** The Step Functions API (AWS_ENDPOINT_URL_SFN). */
  stepfunctions: string;
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

    const rawTemplate = options.template ?? (await synthesize(options.stackProps));
    const model = readTemplate(rawTemplate, {
      stackName,
      account,
      region,
      partition: 'aws',
      ...(options.parameters ? { parameters: options.parameters } : {}),
    });

    // The invoker needs every endpoint, the Step Functions one included, so it is created once they are known;
    // nothing can invoke before startup returns.
    let invoker: LambdaInvoker | undefined;
    const invoke = serialised((fn: FunctionModel, payload: unknown) => {
      if (!invoker) throw new Error('the local runtime is still starting');
      return invoker.invoke(fn, payload);
    });
    const stepFunctions = new LocalStepFunctions({
      model,
      invoke,
      ...(options.stateMachineDelays ? { delays: options.stateMachineDelays } : {}),
      // Step Functions reports STANDARD executions starting and closing on the default bus.
      onStatusChange: (record) =>
        router?.publish('default', executionStatusChangeEvent(record, { account, region }) as unknown as Record<string, unknown>, 'runtime'),
      log,
    });
    const sfnServer = await startStepFunctionsServer({ service: stepFunctions });
    stoppers.push(() => sfnServer.stop());

    const dynamo: DynamoDbLocal = await dynamoSettled;
    const endpoints: RuntimeEndpoints = {
      s3: s3.endpoint,
      dynamodb: dynamo.endpoint,
      eventbridge: eventBridge.endpoint,
      stepfunctions: sfnServer.endpoint,
    };
    const environment = localSdkEnvironment(endpoints, region);
    environment.set.AWS_ENDPOINT_URL_SFN = sfnServer.endpoint;
    invoker = new LambdaInvoker({ projectRoot: options.projectRoot ?? PROJECT_ROOT, region, baseEnvironment: environment.set });

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
      ...(options.retryBackoff ? { backoff: options.retryBackoff } : {}),
      log,
    });
    router = activeRouter;
    stoppers.push(() => activeRouter.stop());
    // Stopped first (stoppers run in reverse): running executions are aborted before anything they use goes.
    stoppers.push(() => stepFunctions.stop());

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
      resources: resourcesOf(model),
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
      waitForIdle: (waitOptions) => waitForAllIdle(activeRouter, stepFunctions, waitOptions?.timeoutMs ?? 60_000),
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
async function waitForAllIdle(router: EventRouter, stepFunctions: LocalStepFunctions, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const remaining = () => Math.max(1, deadline - Date.now());
  for (;;) {
    await router.waitForIdle({ timeoutMs: remaining() });
    if (stepFunctions.runningCount() === 0) return;
    await stepFunctions.waitForIdle({ timeoutMs: remaining() });
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

function resourcesOf(model: TemplateModel): LocalResources {
  return {
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
