import { isAbsolute, join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { acknowledgeTracingWildcard } from './nag-suppressions';

/** Repository root: handler entries and the lock file are resolved against it, not against the caller's cwd. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** CloudFormation Metadata keys the local runtime reads to import a function's handler in-process. */
export const ENTRY_METADATA_KEY = 'finegate:entry';
export const HANDLER_METADATA_KEY = 'finegate:handler';

export const POWERTOOLS_SERVICE_NAME = 'finegate';
export const POWERTOOLS_METRICS_NAMESPACE = 'finegate';

// ESM bundles have no `require`; some dependencies still call it for Node built-ins.
const ESM_REQUIRE_BANNER = "import { createRequire } from 'module';const require = createRequire(import.meta.url);";

export interface FinegateFunctionProps
  extends Omit<
    NodejsFunctionProps,
    | 'entry'
    | 'handler'
    | 'runtime'
    | 'architecture'
    | 'tracing'
    | 'code'
    | 'logGroup'
    | 'logRetention'
    | 'projectRoot'
    | 'depsLockFilePath'
  > {
  /** Handler source, relative to the repository root (e.g. `functions/corpus-audit.ts`). */
  readonly entry: string;
  /** Exported handler name. @default 'handler' */
  readonly handler?: string;
  /** Write to this log group instead of one created for the function. */
  readonly logGroup?: logs.ILogGroup;
  /** Retention of the function's own log group (ignored when `logGroup` is given). @default THREE_MONTHS */
  readonly logGroupRetention?: logs.RetentionDays;
  /** Removal policy of the function's own log group (ignored when `logGroup` is given). @default RETAIN */
  readonly logGroupRemovalPolicy?: RemovalPolicy;
}

/**
 * The house Lambda: Node.js 24 on arm64, ESM bundle with source maps, X-Ray tracing, an explicit log group,
 * its own role (no AWS managed policies) and the metadata the local runtime uses to find the handler.
 */
export class FinegateFunction extends NodejsFunction {
  /** Repository-relative handler source, as written to the `finegate:entry` metadata. */
  public readonly entrySource: string;
  public readonly handlerName: string;

  constructor(scope: Construct, id: string, props: FinegateFunctionProps) {
    const entrySource = normalizeEntry(props.entry);
    const handlerName = props.handler ?? 'handler';
    if (!/^[A-Za-z_$][\w$]*$/.test(handlerName)) {
      throw new Error(`FinegateFunction ${id}: handler must be an exported identifier, got "${handlerName}"`);
    }
    const {
      logGroupRetention,
      logGroupRemovalPolicy,
      entry: _entry,
      handler: _handler,
      environment,
      bundling,
      ...overrides
    } = props;

    const logGroup =
      props.logGroup ??
      new logs.LogGroup(scope, `${id}LogGroup`, {
        retention: logGroupRetention ?? logs.RetentionDays.THREE_MONTHS,
        removalPolicy: logGroupRemovalPolicy ?? RemovalPolicy.RETAIN,
      });
    // An own role instead of the default one, which carries the AWS managed AWSLambdaBasicExecutionRole policy.
    const role =
      props.role ??
      new iam.Role(scope, `${id}ServiceRole`, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `Execution role of ${id}`,
      });

    super(scope, id, {
      memorySize: 1024,
      timeout: Duration.seconds(30),
      ...overrides,
      entry: join(PROJECT_ROOT, entrySource),
      handler: handlerName,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      tracing: lambda.Tracing.ACTIVE,
      logGroup,
      role,
      environment: {
        POWERTOOLS_SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE,
        NODE_OPTIONS: '--enable-source-maps',
        ...environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        minify: true,
        sourceMap: true,
        // Bundle the SDK too: the deployed code then runs the versions pinned in package-lock.json.
        externalModules: [],
        ...bundling,
      },
    });

    this.entrySource = entrySource;
    this.handlerName = handlerName;
    // The default role would get this from the managed policy; the own role gets it scoped to the one log group.
    if (!props.role) logGroup.grantWrite(role);

    const cfn = this.node.defaultChild as lambda.CfnFunction;
    cfn.addMetadata(ENTRY_METADATA_KEY, entrySource);
    cfn.addMetadata(HANDLER_METADATA_KEY, handlerName);

    if (!props.role) acknowledgeTracingWildcard(role);
  }
}

function normalizeEntry(entry: string): string {
  const rel = isAbsolute(entry) ? relative(PROJECT_ROOT, entry) : entry;
  const posixRel = posix.normalize(rel.split(sep).join('/'));
  if (posixRel.startsWith('../') || posixRel === '..' || isAbsolute(posixRel)) {
    throw new Error(`FinegateFunction entry must lie inside the project root ${PROJECT_ROOT}, got "${entry}"`);
  }
  if (!/\.(ts|mts|js|mjs)$/.test(posixRel)) {
    throw new Error(`FinegateFunction entry must be a TypeScript or JavaScript file, got "${entry}"`);
  }
  return posixRel;
}
