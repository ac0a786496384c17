import { isAbsolute, join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AssetStaging, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { LOCAL_RUNTIME_VARIABLE } from '../functions/models/api-key';
import { acknowledgeTracingWildcard } from './nag-suppressions';

/** Repository root: handler entries and the lock file are resolved against it, not against the caller's cwd. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** CloudFormation Metadata keys the local runtime reads to import a function's handler in-process. */
export const ENTRY_METADATA_KEY = 'finegate:entry';
export const HANDLER_METADATA_KEY = 'finegate:handler';

export const POWERTOOLS_SERVICE_NAME = 'finegate';
export const POWERTOOLS_METRICS_NAMESPACE = 'finegate';

// ESM bundles have no `require`; some dependencies still call it for Node built-ins.
export const ESM_REQUIRE_BANNER = "import { createRequire } from 'module';const require = createRequire(import.meta.url);";

/** esbuild's package entry preference: ESM builds first, which tree-shake (bench/bundles.ts uses the same). */
export const BUNDLE_MAIN_FIELDS: readonly string[] = ['module', 'main'];

/**
 * Modules left out of every bundle. None, the AWS SDK included, although the nodejs24.x runtime ships SDK v3 and
 * leaving it out would take roughly 400-500 KB off each bundle: the deployed code then runs the SDK versions pinned in
 * package-lock.json, the ones the tests ran against, not whichever the runtime carries that month (a behaviour change
 * there, such as the 2025 default checksums that S3-compatible servers reject, would reach production untested).
 */
export const BUNDLE_EXTERNAL_MODULES: readonly string[] = [];

/**
 * Packages swapped for another build of themselves. `yaml` resolves to its CommonJS build under the `node` condition,
 * and esbuild cannot tree-shake CommonJS: every handler that reaches run-config.ts carried all of it (~110 KB
 * minified) even when it never parses YAML. Its ESM build (the same parser, published under `browser/`) shakes away
 * where unused. Paths are relative to the project root, where esbuild runs. Differences: warnings go to console.warn
 * instead of process.emitWarning, and a YAML 1.1 !!binary value parses to a Uint8Array instead of a Buffer.
 */
export const BUNDLE_ALIASES: Readonly<Record<string, string>> = {
  yaml: './node_modules/yaml/browser/index.js',
};

/** Minified size every handler bundle should stay under: `npm run bench:bundles` measures it. */
export const BUNDLE_BUDGET_BYTES = 1024 * 1024;

const OPENAI_CLIENT_REASON =
  'carries the `openai` client (~390 KB minified) for openai: model references: the client constructs every API ' +
  'resource in its constructor, so nothing of it tree-shakes, and NodejsFunction always bundles to one --outfile, ' +
  'so it cannot be split into a chunk loaded only when an openai: model is used.';

/** Handlers allowed over BUNDLE_BUDGET_BYTES, each with the reason it is. */
export const BUNDLE_SIZE_REASONS: Readonly<Record<string, string>> = {
  'functions/corpus-audit.ts': `${OPENAI_CLIENT_REASON} The rest is the audit itself (~250 KB of scanners and statistics).`,
  'functions/audit-reduce.ts': `${OPENAI_CLIENT_REASON} The rest is the audit's decisions and reports, shared with corpus-audit.ts.`,
  'functions/gate-score-batch.ts': OPENAI_CLIENT_REASON,
  'functions/arena-batch.ts': OPENAI_CLIENT_REASON,
  'functions/canary-router.ts': OPENAI_CLIENT_REASON,
  'functions/canary-scorer.ts': OPENAI_CLIENT_REASON,
};

/**
 * Environment variables that hold credentials and are refused in a function's environment, where they would sit in
 * plain text in its configuration: keys come from Secrets Manager (OPENAI_API_KEY_SECRET_ARN names the secret).
 */
export const SECRET_ENVIRONMENT_VARIABLES: readonly string[] = ['OPENAI_API_KEY', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'];

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
    const secrets = Object.keys(props.environment ?? {}).filter((name) => SECRET_ENVIRONMENT_VARIABLES.includes(name));
    if (secrets.length > 0) {
      throw new Error(
        `FinegateFunction ${id}: ${secrets.join(', ')} must not be set in a function's environment; ` +
          'store the key in Secrets Manager (openAiApiKeySecret) instead',
      );
    }
    if (props.environment?.[LOCAL_RUNTIME_VARIABLE] !== undefined) {
      // The local runtime's marker lets a function take OPENAI_API_KEY from its environment; never in a deployment.
      throw new Error(`FinegateFunction ${id}: ${LOCAL_RUNTIME_VARIABLE} is set by the local runtime only`);
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
        mainFields: [...BUNDLE_MAIN_FIELDS],
        banner: ESM_REQUIRE_BANNER,
        minify: true,
        sourceMap: true,
        externalModules: [...BUNDLE_EXTERNAL_MODULES],
        ...bundling,
        esbuildArgs: {
          '--alias': Object.entries(BUNDLE_ALIASES).map(([from, to]) => `${from}=${to}`),
          ...bundling?.esbuildArgs,
        },
        // Docker bundling (when esbuild is not installed locally) runs esbuild in the project root too, as the aliases expect.
        workingDirectory: bundling?.workingDirectory ?? AssetStaging.BUNDLING_INPUT_DIR,
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
