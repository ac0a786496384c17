import {
  evaluateCondition,
  resolveIntrinsics,
  UnresolvableIntrinsicError,
  type IntrinsicResolver,
} from './cloudformation-intrinsics';
import { busName } from './eventbridge-server';

/*
 * What the local runtime needs from a synthesized CloudFormation template: buckets, tables, buses, queues,
 * rules and functions with every intrinsic resolved to the local physical names, plus the outputs.
 * Resources without an explicit name get one the way CloudFormation would derive it (stack name and logical
 * id), minus the random suffix, so local names are stable between runs.
 */

// The keys FinegateFunction writes (infra/finegate-function.ts); not imported from there, which would load the CDK.
export const ENTRY_METADATA_KEY = 'finegate:entry';
export const HANDLER_METADATA_KEY = 'finegate:handler';

export interface LocalEnvironment {
  stackName: string;
  account: string;
  region: string;
  partition: string;
  /** Values for template parameters, over their defaults. */
  parameters?: Record<string, string>;
  /** The local address of a Function URL (GetAtt FunctionUrl); a placeholder when the runtime serves none. */
  functionUrl?: (functionName: string, qualifier: string | undefined) => string;
  /** The local address of a queue (Ref, GetAtt QueueUrl); SQS's public form when the runtime serves none. */
  queueUrl?: (queueName: string) => string;
}

export interface BucketModel {
  logicalId: string;
  name: string;
  arn: string;
  eventBridgeEnabled: boolean;
  versioned: boolean;
}

export interface KeySchemaElement {
  AttributeName: string;
  KeyType: 'HASH' | 'RANGE';
}

export interface TableIndexModel {
  IndexName: string;
  KeySchema: KeySchemaElement[];
  Projection: { ProjectionType?: string; NonKeyAttributes?: string[] };
}

export interface TableModel {
  logicalId: string;
  name: string;
  arn: string;
  keySchema: KeySchemaElement[];
  attributeDefinitions: Array<{ AttributeName: string; AttributeType: 'S' | 'N' | 'B' }>;
  globalSecondaryIndexes: TableIndexModel[];
  localSecondaryIndexes: TableIndexModel[];
  ttlAttribute?: string;
  billingMode: 'PAY_PER_REQUEST' | 'PROVISIONED';
}

export interface EventBusModel {
  /** Undefined for the account's default bus, which no template declares. */
  logicalId?: string;
  name: string;
  arn: string;
}

export interface QueueModel {
  logicalId: string;
  name: string;
  arn: string;
  url: string;
  /** VisibilityTimeout, SQS's default 30 seconds when the template sets none. */
  visibilityTimeoutSeconds: number;
  /** RedrivePolicy: where a message goes after maxReceiveCount receives. */
  redrive?: { deadLetterArn: string; maxReceiveCount: number };
}

/** A CloudWatch metric alarm declared in the template, its properties resolved to local values. */
export interface AlarmModel {
  logicalId: string;
  name: string;
  properties: Record<string, unknown>;
}

/** An AWS::Lambda::Version: published at startup, numbered per function in template order from 1. */
export interface FunctionVersionModel {
  logicalId: string;
  functionLogicalId: string;
  version: string;
  description?: string;
}

/** An alias the template creates: AWS::Lambda::Alias, or a custom resource calling Lambda CreateAlias once. */
export interface FunctionAliasModel {
  logicalId: string;
  functionLogicalId: string;
  name: string;
  functionVersion: string;
  description?: string;
  additionalVersionWeights?: Record<string, number>;
}

/** An SQS event source mapping (AWS::Lambda::EventSourceMapping on a queue of the template). */
export interface EventSourceMappingModel {
  logicalId: string;
  functionLogicalId: string;
  queueLogicalId: string;
  batchSize: number;
  maximumBatchingWindowSeconds: number;
  reportBatchItemFailures: boolean;
  enabled: boolean;
}

/** An AWS::Lambda::Url: the function (and alias) it invokes. */
export interface FunctionUrlModel {
  logicalId: string;
  functionLogicalId: string;
  qualifier?: string;
  authType: string;
}

export interface RetryPolicyModel {
  maximumRetryAttempts: number;
  maximumEventAgeSeconds: number;
}

export interface RuleTargetModel {
  id: string;
  arn: string;
  kind: 'lambda' | 'sqs' | 'other';
  /** For Lambda targets: the function's logical id in this template, when it is one of ours. */
  functionLogicalId?: string;
  /** For SQS targets: the queue's logical id. */
  queueLogicalId?: string;
  retryPolicy: RetryPolicyModel;
  deadLetterArn?: string;
  input?: string;
  inputPath?: string;
  inputTransformer?: { inputPathsMap: Record<string, string>; inputTemplate: string };
}

export interface RuleModel {
  logicalId: string;
  name: string;
  arn: string;
  eventBusName: string;
  eventPattern?: Record<string, unknown>;
  state: string;
  targets: RuleTargetModel[];
}

export interface FunctionModel {
  logicalId: string;
  name: string;
  arn: string;
  /** Repository-relative handler source (metadata `finegate:entry`); functions without it cannot run locally. */
  entry?: string;
  /** Exported handler name (metadata `finegate:handler`). */
  handlerExport: string;
  environment: Record<string, string>;
  timeoutSeconds: number;
  memorySize: number;
  logGroupName: string;
  runtime?: string;
  /** Lambda's own retries of a failed asynchronous invocation (EventInvokeConfig, default 2). */
  asyncRetryAttempts: number;
  asyncMaxEventAgeSeconds: number;
  /** Where Lambda sends an asynchronous event that failed every attempt: DeadLetterConfig, else OnFailure. */
  deadLetterArn?: string;
  onFailureDestinationArn?: string;
  /** The published version this model runs as (its frozen configuration); $LATEST when absent. */
  version?: string;
  /** The ARN the caller invoked (with its alias or version qualifier), for the context. */
  invokedArn?: string;
}

export interface StateMachineModel {
  logicalId: string;
  name: string;
  arn: string;
  type: 'STANDARD' | 'EXPRESS';
  /** The Amazon States Language definition, every intrinsic and substitution resolved to local values. */
  definition?: Record<string, unknown>;
  /** Why the definition could not be read locally (then `definition` is undefined and executions fail). */
  definitionError?: string;
  roleArn?: string;
  loggingLevel?: string;
  tracingEnabled: boolean;
}

export interface TemplateModel {
  environment: LocalEnvironment;
  buckets: BucketModel[];
  tables: TableModel[];
  /** The default bus first, then the template's buses. */
  buses: EventBusModel[];
  queues: QueueModel[];
  rules: RuleModel[];
  functions: FunctionModel[];
  stateMachines: StateMachineModel[];
  alarms: AlarmModel[];
  functionVersions: FunctionVersionModel[];
  aliases: FunctionAliasModel[];
  eventSourceMappings: EventSourceMappingModel[];
  functionUrls: FunctionUrlModel[];
  /** Output values by output key. */
  outputs: Record<string, string>;
  /** Resolves any template value (with intrinsics) to local values. */
  resolve(value: unknown): unknown;
}

interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
  Condition?: string;
}

interface CfnTemplate {
  Resources?: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: unknown; Condition?: string }>;
  Parameters?: Record<string, { Default?: unknown }>;
  Conditions?: Record<string, unknown>;
  Mappings?: Record<string, Record<string, Record<string, unknown>>>;
}

// EventBridge's defaults for a target without a RetryPolicy, and Lambda's for async invocations.
const DEFAULT_RULE_RETRY: RetryPolicyModel = { maximumRetryAttempts: 185, maximumEventAgeSeconds: 86_400 };
const DEFAULT_ASYNC_RETRY_ATTEMPTS = 2;
const DEFAULT_ASYNC_MAX_EVENT_AGE = 21_600;

export function readTemplate(template: Record<string, unknown>, environment: LocalEnvironment): TemplateModel {
  const cfn = template as CfnTemplate;
  const resources = cfn.Resources ?? {};
  const env = environment;
  const conditionCache = new Map<string, boolean>();

  const resolver: IntrinsicResolver = {
    region: env.region,
    ref: (name) => ref(name),
    getAtt: (logicalId, attribute) => getAtt(logicalId, attribute),
    condition: (name) => condition(name),
    findInMap: (map, top, second) => {
      const value = cfn.Mappings?.[map]?.[top]?.[second];
      if (value === undefined) throw new UnresolvableIntrinsicError(`Mappings.${map}`, `no entry ${top}.${second}`);
      return value;
    },
  };
  const resolve = (value: unknown, path = '$') => resolveIntrinsics(value, resolver, path);

  function condition(name: string): boolean {
    const cached = conditionCache.get(name);
    if (cached !== undefined) return cached;
    const expression = cfn.Conditions?.[name];
    if (expression === undefined) throw new UnresolvableIntrinsicError(`Conditions.${name}`, 'no such condition');
    const result = evaluateCondition(expression, resolver, `Conditions.${name}`);
    conditionCache.set(name, result);
    return result;
  }

  const exists = (resource: CfnResource) => resource.Condition === undefined || condition(resource.Condition);
  const live = Object.entries(resources).filter(([, resource]) => exists(resource));
  const ofType = (...types: string[]) => live.filter(([, resource]) => types.includes(resource.Type));

  function resource(logicalId: string, path: string): CfnResource {
    const found = resources[logicalId];
    if (!found) throw new UnresolvableIntrinsicError(path, `no resource or parameter named ${logicalId}`);
    return found;
  }

  const nameCache = new Map<string, string>();
  /** The physical name: the resource's own name property, else one derived from stack and logical id. */
  function physicalName(logicalId: string): string {
    const cached = nameCache.get(logicalId);
    if (cached !== undefined) return cached;
    const res = resource(logicalId, `Ref(${logicalId})`);
    const props = res.Properties ?? {};
    const explicitKey = NAME_PROPERTY[res.Type];
    const explicit = explicitKey ? props[explicitKey] : undefined;
    let name = explicit !== undefined ? String(resolve(explicit, `${logicalId}.${explicitKey}`)) : generatedName(res.Type, logicalId);
    if (res.Type === 'AWS::SQS::Queue' && props.FifoQueue === true && explicit === undefined) name += '.fifo';
    nameCache.set(logicalId, name);
    return name;
  }

  function generatedName(type: string, logicalId: string): string {
    const raw = `${env.stackName}-${logicalId}`;
    if (type === 'AWS::S3::Bucket') {
      return raw.toLowerCase().replace(/[^a-z0-9.-]/g, '-').slice(0, 63).replace(/[-.]+$/, '');
    }
    const max = NAME_LIMIT[type] ?? 255;
    return raw.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, max);
  }

  function arnOf(logicalId: string): string {
    const res = resource(logicalId, `GetAtt(${logicalId}.Arn)`);
    const name = physicalName(logicalId);
    const { partition: p, region, account } = env;
    switch (res.Type) {
      case 'AWS::S3::Bucket':
        return `arn:${p}:s3:::${name}`;
      case 'AWS::DynamoDB::Table':
      case 'AWS::DynamoDB::GlobalTable':
        return `arn:${p}:dynamodb:${region}:${account}:table/${name}`;
      case 'AWS::Events::EventBus':
        return `arn:${p}:events:${region}:${account}:event-bus/${name}`;
      case 'AWS::Events::Rule': {
        const bus = ruleBusName(res, logicalId);
        return `arn:${p}:events:${region}:${account}:rule/${bus === 'default' ? '' : `${bus}/`}${name}`;
      }
      case 'AWS::Lambda::Function':
        return `arn:${p}:lambda:${region}:${account}:function:${name}`;
      case 'AWS::SQS::Queue':
        return `arn:${p}:sqs:${region}:${account}:${name}`;
      case 'AWS::SNS::Topic':
        return `arn:${p}:sns:${region}:${account}:${name}`;
      case 'AWS::IAM::Role':
        return `arn:${p}:iam::${account}:role/${name}`;
      case 'AWS::Logs::LogGroup':
        return `arn:${p}:logs:${region}:${account}:log-group:${name}:*`;
      case 'AWS::StepFunctions::StateMachine':
        return `arn:${p}:states:${region}:${account}:stateMachine:${name}`;
      default:
        return `arn:${p}:${res.Type.split('::')[1]?.toLowerCase() ?? 'unknown'}:${region}:${account}:${name}`;
    }
  }

  function queueUrl(logicalId: string): string {
    const name = physicalName(logicalId);
    return env.queueUrl?.(name) ?? `https://sqs.${env.region}.amazonaws.com/${env.account}/${name}`;
  }

  function ref(name: string): unknown {
    switch (name) {
      case 'AWS::AccountId':
        return env.account;
      case 'AWS::Region':
        return env.region;
      case 'AWS::Partition':
        return env.partition;
      case 'AWS::StackName':
        return env.stackName;
      case 'AWS::StackId':
        return `arn:${env.partition}:cloudformation:${env.region}:${env.account}:stack/${env.stackName}/local`;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::NotificationARNs':
        return [];
    }
    const parameter = cfn.Parameters?.[name];
    if (parameter) {
      const value = env.parameters?.[name] ?? parameter.Default;
      if (value === undefined) throw new UnresolvableIntrinsicError(`Ref(${name})`, 'parameter has no value');
      return value;
    }
    const res = resource(name, `Ref(${name})`);
    switch (res.Type) {
      case 'AWS::SQS::Queue':
        return queueUrl(name);
      case 'AWS::SNS::Topic':
      case 'AWS::StepFunctions::StateMachine':
        return arnOf(name);
      default:
        return physicalName(name);
    }
  }

  function getAtt(logicalId: string, attribute: string): unknown {
    const res = resource(logicalId, `GetAtt(${logicalId}.${attribute})`);
    const name = physicalName(logicalId);
    if (attribute === 'Arn') return arnOf(logicalId);
    switch (`${res.Type}.${attribute}`) {
      case 'AWS::S3::Bucket.DomainName':
        return `${name}.s3.amazonaws.com`;
      case 'AWS::S3::Bucket.RegionalDomainName':
        return `${name}.s3.${env.region}.amazonaws.com`;
      case 'AWS::DynamoDB::Table.StreamArn':
        return `${arnOf(logicalId)}/stream/local`;
      case 'AWS::Events::EventBus.Name':
      case 'AWS::SQS::Queue.QueueName':
        return name;
      case 'AWS::SQS::Queue.QueueUrl':
        return queueUrl(logicalId);
      case 'AWS::IAM::Role.RoleId':
        return `AROA${logicalId.toUpperCase().slice(0, 17)}`;
      case 'AWS::StepFunctions::StateMachine.Name':
        return name;
      case 'AWS::Lambda::Version.Version':
        return versionNumber(logicalId);
      case 'AWS::Lambda::Url.FunctionUrl':
        return functionUrlOf(logicalId);
      case 'AWS::Lambda::Url.FunctionArn':
        return resolve(res.Properties?.TargetFunctionArn, `${logicalId}.TargetFunctionArn`);
    }
    throw new UnresolvableIntrinsicError(`GetAtt(${logicalId}.${attribute})`, `attribute not known locally for ${res.Type}`);
  }

  /** Versions are numbered per function in template order, as the local runtime publishes them at startup. */
  let versionNumbers: Map<string, string> | undefined;
  function versionNumber(logicalId: string): string {
    if (!versionNumbers) {
      versionNumbers = new Map();
      const counts = new Map<string, number>();
      for (const [id, res] of ofType('AWS::Lambda::Version')) {
        const fn = String(resolve(res.Properties?.FunctionName, `${id}.FunctionName`));
        const next = (counts.get(fn) ?? 0) + 1;
        counts.set(fn, next);
        versionNumbers.set(id, String(next));
      }
    }
    const number = versionNumbers.get(logicalId);
    if (number === undefined) throw new UnresolvableIntrinsicError(`GetAtt(${logicalId}.Version)`, 'not a version of this template');
    return number;
  }

  function functionUrlOf(logicalId: string): string {
    const props = resource(logicalId, `GetAtt(${logicalId}.FunctionUrl)`).Properties ?? {};
    const target = String(resolve(props.TargetFunctionArn, `${logicalId}.TargetFunctionArn`));
    const name = /(?:^|:)function:([^:]+)/.exec(target)?.[1] ?? target;
    const qualifier = props.Qualifier === undefined ? undefined : String(resolve(props.Qualifier, `${logicalId}.Qualifier`));
    return env.functionUrl?.(name, qualifier) ?? `https://${logicalId.toLowerCase()}.lambda-url.${env.region}.on.aws/`;
  }

  function ruleBusName(res: CfnResource, logicalId: string): string {
    const bus = res.Properties?.EventBusName;
    return bus === undefined ? 'default' : busName(resolve(bus, `${logicalId}.EventBusName`));
  }

  // --- resources -------------------------------------------------------------------------------------

  const buckets: BucketModel[] = ofType('AWS::S3::Bucket').map(([logicalId, res]) => {
    // Only the properties the runtime uses are resolved, so unrelated intrinsics cannot get in the way.
    const props = res.Properties ?? {};
    const notifications = resolve(props.NotificationConfiguration, `${logicalId}.NotificationConfiguration`) as Record<string, any> | undefined;
    const versioning = resolve(props.VersioningConfiguration, `${logicalId}.VersioningConfiguration`) as Record<string, any> | undefined;
    return {
      logicalId,
      name: physicalName(logicalId),
      arn: arnOf(logicalId),
      eventBridgeEnabled: notifications?.EventBridgeConfiguration?.EventBridgeEnabled === true,
      versioned: versioning?.Status === 'Enabled',
    };
  });
  // CDK's `eventBridgeEnabled: true` on an L2 bucket configures it through a custom resource instead.
  for (const [logicalId, res] of ofType('Custom::S3BucketNotifications')) {
    const props = resolve(res.Properties ?? {}, logicalId) as Record<string, any>;
    if (props.NotificationConfiguration?.EventBridgeConfiguration === undefined) continue;
    const bucket = buckets.find((b) => b.name === props.BucketName);
    if (bucket) bucket.eventBridgeEnabled = true;
  }

  const tables: TableModel[] = ofType('AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable').map(([logicalId, res]) => {
    const raw = res.Properties ?? {};
    const props = resolve(
      Object.fromEntries(TABLE_PROPERTIES.filter((key) => raw[key] !== undefined).map((key) => [key, raw[key]])),
      logicalId,
    ) as Record<string, any>;
    const index = (i: Record<string, any>): TableIndexModel => ({
      IndexName: i.IndexName,
      KeySchema: i.KeySchema,
      Projection: i.Projection ?? { ProjectionType: 'ALL' },
    });
    const ttl = props.TimeToLiveSpecification;
    return {
      logicalId,
      name: physicalName(logicalId),
      arn: arnOf(logicalId),
      keySchema: props.KeySchema ?? [],
      attributeDefinitions: props.AttributeDefinitions ?? [],
      globalSecondaryIndexes: (props.GlobalSecondaryIndexes ?? []).map(index),
      localSecondaryIndexes: (props.LocalSecondaryIndexes ?? []).map(index),
      ...(ttl?.Enabled && ttl.AttributeName ? { ttlAttribute: ttl.AttributeName as string } : {}),
      billingMode: props.BillingMode === 'PROVISIONED' || (res.Type === 'AWS::DynamoDB::Table' && !props.BillingMode) ? 'PROVISIONED' : 'PAY_PER_REQUEST',
    };
  });

  const buses: EventBusModel[] = [
    { name: 'default', arn: `arn:${env.partition}:events:${env.region}:${env.account}:event-bus/default` },
    ...ofType('AWS::Events::EventBus').map(([logicalId]) => ({ logicalId, name: physicalName(logicalId), arn: arnOf(logicalId) })),
  ];

  const queues: QueueModel[] = ofType('AWS::SQS::Queue').map(([logicalId, res]) => {
    const props = res.Properties ?? {};
    const redrive = props.RedrivePolicy === undefined ? undefined : (resolve(props.RedrivePolicy, `${logicalId}.RedrivePolicy`) as Record<string, unknown> | string);
    const policy = typeof redrive === 'string' ? (JSON.parse(redrive) as Record<string, unknown>) : redrive;
    return {
      logicalId,
      name: physicalName(logicalId),
      arn: arnOf(logicalId),
      url: queueUrl(logicalId),
      visibilityTimeoutSeconds: Number(props.VisibilityTimeout ?? 30),
      ...(policy?.deadLetterTargetArn !== undefined
        ? { redrive: { deadLetterArn: String(policy.deadLetterTargetArn), maxReceiveCount: Number(policy.maxReceiveCount ?? 10) } }
        : {}),
    };
  });

  const invokeConfigs = new Map<string, Record<string, any>>();
  for (const [logicalId, res] of ofType('AWS::Lambda::EventInvokeConfig')) {
    const props = resolve(res.Properties ?? {}, logicalId) as Record<string, any>;
    if (props.Qualifier === undefined || props.Qualifier === '$LATEST') invokeConfigs.set(String(props.FunctionName), props);
  }

  const functions: FunctionModel[] = ofType('AWS::Lambda::Function').map(([logicalId, res]) => {
    const props = res.Properties ?? {};
    const name = physicalName(logicalId);
    const variables = ((props.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}) as Record<string, unknown>;
    const environment: Record<string, string> = {};
    for (const [key, value] of Object.entries(variables)) {
      const resolved = resolve(value, `${logicalId}.Environment.Variables.${key}`);
      if (resolved !== undefined) environment[key] = typeof resolved === 'string' ? resolved : JSON.stringify(resolved);
    }
    const invokeConfig = invokeConfigs.get(name) ?? invokeConfigs.get(arnOf(logicalId));
    const deadLetter = (props.DeadLetterConfig as { TargetArn?: unknown } | undefined)?.TargetArn;
    const onFailure = invokeConfig?.DestinationConfig?.OnFailure?.Destination as string | undefined;
    const logGroup = (props.LoggingConfig as { LogGroup?: unknown } | undefined)?.LogGroup;
    const entry = res.Metadata?.[ENTRY_METADATA_KEY];
    const handlerExport = res.Metadata?.[HANDLER_METADATA_KEY];
    return {
      logicalId,
      name,
      arn: arnOf(logicalId),
      ...(typeof entry === 'string' ? { entry } : {}),
      handlerExport: typeof handlerExport === 'string' ? handlerExport : 'handler',
      environment,
      timeoutSeconds: Number(props.Timeout ?? 3),
      memorySize: Number(props.MemorySize ?? 128),
      logGroupName: logGroup !== undefined ? String(resolve(logGroup, `${logicalId}.LoggingConfig.LogGroup`)) : `/aws/lambda/${name}`,
      ...(typeof props.Runtime === 'string' ? { runtime: props.Runtime } : {}),
      asyncRetryAttempts: Number(invokeConfig?.MaximumRetryAttempts ?? DEFAULT_ASYNC_RETRY_ATTEMPTS),
      asyncMaxEventAgeSeconds: Number(invokeConfig?.MaximumEventAgeInSeconds ?? DEFAULT_ASYNC_MAX_EVENT_AGE),
      ...(deadLetter !== undefined ? { deadLetterArn: String(resolve(deadLetter, `${logicalId}.DeadLetterConfig`)) } : {}),
      ...(onFailure !== undefined ? { onFailureDestinationArn: onFailure } : {}),
    };
  });

  const functionByArn = new Map(functions.map((f) => [f.arn, f]));
  const queueByArn = new Map(queues.map((q) => [q.arn, q]));

  const rules: RuleModel[] = ofType('AWS::Events::Rule').map(([logicalId, res]) => {
    const props = res.Properties ?? {};
    const pattern = props.EventPattern === undefined ? undefined : resolve(props.EventPattern, `${logicalId}.EventPattern`);
    const targets = ((resolve(props.Targets ?? [], `${logicalId}.Targets`) ?? []) as Array<Record<string, any>>).map(
      (target): RuleTargetModel => {
        const arn = String(target.Arn);
        // An alias or version ARN (function:name:qualifier) still names the function.
        const fn = functionByArn.get(arn) ?? functionByArn.get(arn.split(':').slice(0, 7).join(':'));
        const queue = queueByArn.get(arn);
        const retry = target.RetryPolicy ?? {};
        const transformer = target.InputTransformer;
        return {
          id: String(target.Id),
          arn,
          kind: fn || /^arn:[^:]+:lambda:/.test(arn) ? 'lambda' : queue ? 'sqs' : 'other',
          ...(fn ? { functionLogicalId: fn.logicalId } : {}),
          ...(queue ? { queueLogicalId: queue.logicalId } : {}),
          retryPolicy: {
            maximumRetryAttempts: Number(retry.MaximumRetryAttempts ?? DEFAULT_RULE_RETRY.maximumRetryAttempts),
            maximumEventAgeSeconds: Number(retry.MaximumEventAgeInSeconds ?? DEFAULT_RULE_RETRY.maximumEventAgeSeconds),
          },
          ...(target.DeadLetterConfig?.Arn ? { deadLetterArn: String(target.DeadLetterConfig.Arn) } : {}),
          ...(typeof target.Input === 'string' ? { input: target.Input } : {}),
          ...(typeof target.InputPath === 'string' ? { inputPath: target.InputPath } : {}),
          ...(transformer
            ? {
                inputTransformer: {
                  inputPathsMap: (transformer.InputPathsMap ?? {}) as Record<string, string>,
                  inputTemplate: String(transformer.InputTemplate),
                },
              }
            : {}),
        };
      },
    );
    return {
      logicalId,
      name: physicalName(logicalId),
      arn: arnOf(logicalId),
      eventBusName: ruleBusName(res, logicalId),
      ...(pattern !== undefined ? { eventPattern: (typeof pattern === 'string' ? JSON.parse(pattern) : pattern) as Record<string, unknown> } : {}),
      state: typeof props.State === 'string' ? props.State : 'ENABLED',
      targets,
    };
  });

  const stateMachines: StateMachineModel[] = ofType('AWS::StepFunctions::StateMachine').map(([logicalId, res]) => {
    const props = res.Properties ?? {};
    const logging = props.LoggingConfiguration as { Level?: unknown } | undefined;
    const role = props.RoleArn === undefined ? undefined : resolve(props.RoleArn, `${logicalId}.RoleArn`);
    let definition: Record<string, unknown> | undefined;
    let definitionError: string | undefined;
    try {
      definition = stateMachineDefinition(logicalId, props, resolve);
    } catch (error) {
      // One unreadable definition fails its own executions, not the whole runtime.
      definitionError = error instanceof Error ? error.message : String(error);
    }
    return {
      logicalId,
      name: physicalName(logicalId),
      arn: arnOf(logicalId),
      type: props.StateMachineType === 'EXPRESS' ? 'EXPRESS' : 'STANDARD',
      ...(definition ? { definition } : {}),
      ...(definitionError !== undefined ? { definitionError } : {}),
      ...(typeof role === 'string' ? { roleArn: role } : {}),
      ...(typeof logging?.Level === 'string' ? { loggingLevel: logging.Level } : {}),
      tracingEnabled: (props.TracingConfiguration as { Enabled?: unknown } | undefined)?.Enabled === true,
    };
  });

  const functionByName = new Map(functions.map((f) => [f.name, f]));
  /** A function named by name, ARN or qualified ARN, when it is one of the template's. */
  const functionNamed = (value: unknown): FunctionModel | undefined => {
    const text = String(value);
    const name = /(?:^|:)function:([^:]+)/.exec(text)?.[1] ?? text;
    return functionByName.get(name);
  };

  const alarms: AlarmModel[] = ofType('AWS::CloudWatch::Alarm').map(([logicalId, res]) => {
    const properties = resolve(res.Properties ?? {}, logicalId) as Record<string, unknown>;
    return { logicalId, name: typeof properties.AlarmName === 'string' ? properties.AlarmName : physicalName(logicalId), properties };
  });

  const functionVersions: FunctionVersionModel[] = ofType('AWS::Lambda::Version').flatMap(([logicalId, res]) => {
    const fn = functionNamed(resolve(res.Properties?.FunctionName, `${logicalId}.FunctionName`));
    if (!fn) return [];
    const description = res.Properties?.Description;
    return [{ logicalId, functionLogicalId: fn.logicalId, version: versionNumber(logicalId), ...(typeof description === 'string' ? { description } : {}) }];
  });

  const aliases: FunctionAliasModel[] = [];
  for (const [logicalId, res] of ofType('AWS::Lambda::Alias')) {
    const props = resolve(res.Properties ?? {}, logicalId) as Record<string, any>;
    const fn = functionNamed(props.FunctionName);
    if (!fn) continue;
    const weights = (props.RoutingConfig?.AdditionalVersionWeights ?? []) as Array<{ FunctionVersion: string; FunctionWeight: number }>;
    aliases.push({
      logicalId,
      functionLogicalId: fn.logicalId,
      name: String(props.Name),
      functionVersion: String(props.FunctionVersion),
      ...(typeof props.Description === 'string' ? { description: props.Description } : {}),
      ...(weights.length > 0 ? { additionalVersionWeights: Object.fromEntries(weights.map((w) => [String(w.FunctionVersion), Number(w.FunctionWeight)])) } : {}),
    });
  }
  // CDK's AwsCustomResource writes its SDK call as JSON text in Create; an alias created that way exists from the start.
  for (const [logicalId, res] of live.filter(([, r]) => r.Type.startsWith('Custom::') || r.Type === 'AWS::CloudFormation::CustomResource')) {
    const create = res.Properties?.Create;
    if (create === undefined) continue;
    let call: Record<string, any>;
    try {
      const text = resolve(create, `${logicalId}.Create`);
      call = (typeof text === 'string' ? JSON.parse(text) : text) as Record<string, any>;
    } catch {
      continue;
    }
    if (call.service !== 'Lambda' || call.action !== 'CreateAlias') continue;
    const params = call.parameters ?? {};
    const fn = functionNamed(params.FunctionName);
    if (!fn) continue;
    aliases.push({
      logicalId,
      functionLogicalId: fn.logicalId,
      name: String(params.Name),
      functionVersion: String(params.FunctionVersion ?? '$LATEST'),
      ...(typeof params.Description === 'string' ? { description: params.Description } : {}),
    });
  }

  const eventSourceMappings: EventSourceMappingModel[] = ofType('AWS::Lambda::EventSourceMapping').flatMap(([logicalId, res]) => {
    const props = resolve(res.Properties ?? {}, logicalId) as Record<string, any>;
    const fn = functionNamed(props.FunctionName);
    const queue = queueByArn.get(String(props.EventSourceArn));
    if (!fn || !queue) return [];
    return [
      {
        logicalId,
        functionLogicalId: fn.logicalId,
        queueLogicalId: queue.logicalId,
        batchSize: Number(props.BatchSize ?? 10),
        maximumBatchingWindowSeconds: Number(props.MaximumBatchingWindowInSeconds ?? 0),
        reportBatchItemFailures: ((props.FunctionResponseTypes ?? []) as string[]).includes('ReportBatchItemFailures'),
        enabled: props.Enabled !== false,
      },
    ];
  });

  const functionUrls: FunctionUrlModel[] = ofType('AWS::Lambda::Url').flatMap(([logicalId, res]) => {
    const props = resolve(res.Properties ?? {}, logicalId) as Record<string, any>;
    const fn = functionNamed(props.TargetFunctionArn);
    if (!fn) return [];
    return [{ logicalId, functionLogicalId: fn.logicalId, ...(props.Qualifier !== undefined ? { qualifier: String(props.Qualifier) } : {}), authType: String(props.AuthType ?? 'NONE') }];
  });

  const outputs: Record<string, string> = {};
  for (const [key, output] of Object.entries(cfn.Outputs ?? {})) {
    if (output.Condition !== undefined && !condition(output.Condition)) continue;
    const value = resolve(output.Value, `Outputs.${key}`);
    outputs[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }

  return {
    environment: env,
    buckets,
    tables,
    buses,
    queues,
    rules,
    functions,
    stateMachines,
    alarms,
    functionVersions,
    aliases,
    eventSourceMappings,
    functionUrls,
    outputs,
    resolve: (value) => resolve(value),
  };
}

/**
 * A state machine's definition as Step Functions reads it: `Definition` (an object) or `DefinitionString`
 * (CDK writes a Fn::Join of JSON text and ARNs), then `DefinitionSubstitutions` in place of `${name}`.
 */
function stateMachineDefinition(
  logicalId: string,
  props: Record<string, unknown>,
  resolve: (value: unknown, path?: string) => unknown,
): Record<string, unknown> {
  if (props.DefinitionS3Location !== undefined) {
    throw new Error(`${logicalId}: DefinitionS3Location is not supported locally; synthesize the definition inline`);
  }
  const substitutions = (resolve(props.DefinitionSubstitutions ?? {}, `${logicalId}.DefinitionSubstitutions`) ?? {}) as Record<string, unknown>;
  const substitute = (text: string) =>
    text.replace(/\$\{([^}]+)\}/g, (whole, key: string) => {
      const value = substitutions[key];
      return value === undefined ? whole : typeof value === 'string' ? value : JSON.stringify(value);
    });
  let definition: unknown;
  if (props.DefinitionString !== undefined) {
    const text = resolve(props.DefinitionString, `${logicalId}.DefinitionString`);
    if (typeof text !== 'string') throw new Error(`${logicalId}: DefinitionString does not resolve to a string`);
    try {
      definition = JSON.parse(substitute(text));
    } catch (error) {
      throw new Error(`${logicalId}: DefinitionString is not JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
  } else if (props.Definition !== undefined) {
    definition = JSON.parse(substitute(JSON.stringify(resolve(props.Definition, `${logicalId}.Definition`))));
  } else {
    throw new Error(`${logicalId}: the state machine has no definition`);
  }
  if (typeof definition !== 'object' || definition === null || Array.isArray(definition)) {
    throw new Error(`${logicalId}: the definition is not a JSON object`);
  }
  return definition as Record<string, unknown>;
}

const TABLE_PROPERTIES = [
  'KeySchema',
  'AttributeDefinitions',
  'GlobalSecondaryIndexes',
  'LocalSecondaryIndexes',
  'TimeToLiveSpecification',
  'BillingMode',
];

const NAME_PROPERTY: Record<string, string> = {
  'AWS::S3::Bucket': 'BucketName',
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::DynamoDB::GlobalTable': 'TableName',
  'AWS::Events::EventBus': 'Name',
  'AWS::Events::Rule': 'Name',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::StepFunctions::StateMachine': 'StateMachineName',
};

const NAME_LIMIT: Record<string, number> = {
  'AWS::Lambda::Function': 64,
  'AWS::Events::Rule': 64,
  'AWS::SQS::Queue': 80,
  'AWS::IAM::Role': 64,
  'AWS::SNS::Topic': 256,
  'AWS::StepFunctions::StateMachine': 80,
};
