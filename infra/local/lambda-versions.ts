import { createHash, randomUUID } from 'node:crypto';
import type { FunctionModel } from './template-model';

/*
 * Lambda's versions and aliases for the template's functions, as the control plane keeps them: `$LATEST` is the
 * editable configuration, PublishVersion freezes it as "1", "2", …, and an alias points at one version and may send a
 * weight of the traffic to one more (RoutingConfig.AdditionalVersionWeights). Pure state, no I/O: the Lambda server
 * speaks the wire protocol over it and the runtime asks it which configuration an invocation runs.
 *
 * Local updates complete at once, so LastUpdateStatus is always Successful and State always Active.
 */

/** A Lambda API error: the type the SDK names the exception by, and the HTTP status Lambda answers with. */
export class LambdaServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = type;
  }
}

export interface FunctionConfiguration {
  FunctionName: string;
  FunctionArn: string;
  Runtime?: string;
  Handler: string;
  CodeSize: number;
  Description: string;
  Timeout: number;
  MemorySize: number;
  LastModified: string;
  CodeSha256: string;
  Version: string;
  Environment: { Variables: Record<string, string> };
  RevisionId: string;
  State: 'Active';
  LastUpdateStatus: 'Successful';
  PackageType: 'Zip';
  Architectures: string[];
}

export interface AliasConfiguration {
  AliasArn: string;
  Name: string;
  FunctionVersion: string;
  Description: string;
  RoutingConfig?: { AdditionalVersionWeights: Record<string, number> };
  RevisionId: string;
}

export interface ConfigurationUpdate {
  Description?: string;
  Timeout?: number;
  MemorySize?: number;
  /** Replaces the whole variable map, as Lambda does; `{}` (or no Variables) removes every variable. */
  Environment?: { Variables?: Record<string, string> };
  RevisionId?: string;
}

export interface PublishVersionInput {
  description?: string;
  /** When given, must equal $LATEST's CodeSha256. */
  codeSha256?: string;
  /** When given, must equal $LATEST's RevisionId. */
  revisionId?: string;
}

export interface AliasInput {
  name: string;
  functionVersion: string;
  description?: string;
  routingConfig?: { AdditionalVersionWeights?: Record<string, number> };
}

export interface AliasUpdate {
  functionVersion?: string;
  description?: string;
  /** An empty AdditionalVersionWeights map removes the routing; leaving it out keeps it. */
  routingConfig?: { AdditionalVersionWeights?: Record<string, number> };
  revisionId?: string;
}

export interface ResolvedInvocation {
  /** The function's name (never an ARN). */
  functionName: string;
  /** The alias or version invoked; undefined for an unqualified call. */
  qualifier?: string;
  /** `$LATEST` or the published version that runs. */
  executedVersion: string;
  /**
   * The configuration to run: the version's frozen environment, timeout and memory, with `version` (absent for
   * $LATEST) and `invokedArn`, the ARN qualified as it was invoked (context.invokedFunctionArn).
   */
  fn: FunctionModel;
}

export interface LambdaVersionsOptions {
  /** Uniform in [0, 1): picks an alias's version by weight. Math.random unless a test pins it. */
  random?: () => number;
  now?: () => Date;
}

const LATEST = '$LATEST';
const ALIAS_NAME = /^(?!^[0-9]+$)[a-zA-Z0-9-_]{1,128}$/;
const VERSION = /^[0-9]+$/;
const ENV_KEY = /^[a-zA-Z]([a-zA-Z0-9_])+$/;
// Lambda sets these itself; a configuration that names them is refused.
const RESERVED_VARIABLES = new Set([
  '_HANDLER', '_X_AMZN_TRACE_ID', 'AWS_DEFAULT_REGION', 'AWS_REGION', 'AWS_EXECUTION_ENV', 'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'AWS_LAMBDA_FUNCTION_VERSION', 'AWS_LAMBDA_INITIALIZATION_TYPE', 'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME', 'AWS_ACCESS_KEY', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API', 'LAMBDA_TASK_ROOT', 'LAMBDA_RUNTIME_DIR',
]);
const ENVIRONMENT_LIMIT_BYTES = 4096;

interface Snapshot {
  model: FunctionModel;
  description: string;
  codeSha256: string;
  revisionId: string;
  lastModified: string;
}

interface PublishedVersion extends Snapshot {
  version: string;
  /** The published configuration, to tell whether $LATEST changed since. */
  fingerprint: string;
}

interface AliasState {
  name: string;
  functionVersion: string;
  description: string;
  weights: Record<string, number>;
  revisionId: string;
}

interface FunctionState {
  latest: Snapshot;
  versions: Map<string, PublishedVersion>;
  lastVersion: number;
  aliases: Map<string, AliasState>;
}

export class LambdaVersions {
  private readonly functions = new Map<string, FunctionState>();
  private readonly random: () => number;
  private readonly now: () => Date;

  constructor(functions: readonly FunctionModel[], options: LambdaVersionsOptions = {}) {
    this.random = options.random ?? Math.random;
    this.now = options.now ?? (() => new Date());
    for (const fn of functions) {
      this.functions.set(fn.name, {
        latest: {
          model: copyModel(fn),
          description: '',
          codeSha256: codeSha256Of(fn),
          revisionId: randomUUID(),
          lastModified: this.timestamp(),
        },
        versions: new Map(),
        lastVersion: 0,
        aliases: new Map(),
      });
    }
  }

  functionNames(): string[] {
    return [...this.functions.keys()];
  }

  /** The configuration of $LATEST, a version, or the version an alias points at. */
  getConfiguration(functionName: string, qualifier?: string): FunctionConfiguration {
    const { name, state, qualifier: q } = this.lookup(functionName, qualifier);
    if (q === undefined || q === LATEST) return this.view(name, state.latest, LATEST);
    const version = VERSION.test(q) ? q : this.alias(name, state, q).functionVersion;
    if (version === LATEST) return this.view(name, state.latest, LATEST, q);
    return this.view(name, this.version(name, state, version), version, q);
  }

  updateConfiguration(functionName: string, update: ConfigurationUpdate): FunctionConfiguration {
    const { name, state, qualifier } = this.lookup(functionName);
    if (qualifier !== undefined && qualifier !== LATEST) throw invalid(`Cannot update the configuration of a published version or alias: ${qualifier}`);
    const latest = state.latest;
    if (update.RevisionId !== undefined && update.RevisionId !== latest.revisionId) throw preconditionFailed('GetFunction');
    if (update.Timeout !== undefined && !(Number.isInteger(update.Timeout) && update.Timeout >= 1 && update.Timeout <= 900)) {
      throw validation(`Value '${update.Timeout}' at 'timeout' failed to satisfy constraint: Member must have value between 1 and 900`);
    }
    if (update.MemorySize !== undefined && !(Number.isInteger(update.MemorySize) && update.MemorySize >= 128 && update.MemorySize <= 10_240)) {
      throw validation(`Value '${update.MemorySize}' at 'memorySize' failed to satisfy constraint: Member must have value between 128 and 10240`);
    }
    if (update.Description !== undefined && update.Description.length > 256) {
      throw validation(`Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 256`);
    }
    const variables = update.Environment === undefined ? undefined : checkVariables(update.Environment.Variables ?? {});
    latest.model = {
      ...latest.model,
      ...(variables === undefined ? {} : { environment: variables }),
      ...(update.Timeout === undefined ? {} : { timeoutSeconds: update.Timeout }),
      ...(update.MemorySize === undefined ? {} : { memorySize: update.MemorySize }),
    };
    if (update.Description !== undefined) latest.description = update.Description;
    latest.revisionId = randomUUID();
    latest.lastModified = this.timestamp();
    return this.view(name, latest, LATEST);
  }

  /**
   * Freezes $LATEST as the next version. When nothing changed since the last version was published, Lambda
   * publishes nothing and returns that version again.
   */
  publishVersion(functionName: string, input: PublishVersionInput = {}): FunctionConfiguration {
    const { name, state } = this.lookup(functionName);
    const latest = state.latest;
    if (input.revisionId !== undefined && input.revisionId !== latest.revisionId) throw preconditionFailed('GetFunction');
    if (input.codeSha256 !== undefined && input.codeSha256 !== latest.codeSha256) {
      throw invalid(`CodeSHA256 (${input.codeSha256}) is different from current CodeSHA256 in $LATEST (${latest.codeSha256}). Please try again with the current CodeSHA256.`);
    }
    const fingerprint = fingerprintOf(latest);
    const last = state.lastVersion > 0 ? state.versions.get(String(state.lastVersion)) : undefined;
    if (last !== undefined && last.fingerprint === fingerprint) return this.view(name, last, last.version);
    const version = String(++state.lastVersion);
    const published: PublishedVersion = {
      version,
      fingerprint,
      model: copyModel(latest.model),
      description: input.description ?? '',
      codeSha256: latest.codeSha256,
      revisionId: randomUUID(),
      lastModified: this.timestamp(),
    };
    state.versions.set(version, published);
    return this.view(name, published, version);
  }

  /** $LATEST first, then the published versions in order. */
  listVersions(functionName: string): FunctionConfiguration[] {
    const { name, state } = this.lookup(functionName);
    return [this.view(name, state.latest, LATEST), ...[...state.versions.values()].map((v) => this.view(name, v, v.version))];
  }

  createAlias(functionName: string, input: AliasInput): AliasConfiguration {
    const { name, state } = this.lookup(functionName);
    checkAliasName(input.name);
    if (state.aliases.has(input.name)) throw new LambdaServiceError('ResourceConflictException', `Alias already exists: ${this.arnOf(name, input.name)}`, 409);
    this.checkTarget(name, state, input.functionVersion);
    const weights = this.checkWeights(name, state, input.functionVersion, input.routingConfig?.AdditionalVersionWeights ?? {});
    const alias: AliasState = { name: input.name, functionVersion: input.functionVersion, description: input.description ?? '', weights, revisionId: randomUUID() };
    state.aliases.set(alias.name, alias);
    return this.aliasView(name, alias);
  }

  getAlias(functionName: string, aliasName: string): AliasConfiguration {
    const { name, state } = this.lookup(functionName);
    return this.aliasView(name, this.alias(name, state, aliasName));
  }

  updateAlias(functionName: string, aliasName: string, update: AliasUpdate): AliasConfiguration {
    const { name, state } = this.lookup(functionName);
    const alias = this.alias(name, state, aliasName);
    if (update.revisionId !== undefined && update.revisionId !== alias.revisionId) throw preconditionFailed('GetAlias');
    const functionVersion = update.functionVersion ?? alias.functionVersion;
    if (update.functionVersion !== undefined) this.checkTarget(name, state, functionVersion);
    const requested = update.routingConfig === undefined ? alias.weights : (update.routingConfig.AdditionalVersionWeights ?? {});
    const weights = this.checkWeights(name, state, functionVersion, requested);
    Object.assign(alias, {
      functionVersion,
      weights,
      ...(update.description === undefined ? {} : { description: update.description }),
      revisionId: randomUUID(),
    });
    return this.aliasView(name, alias);
  }

  deleteAlias(functionName: string, aliasName: string): void {
    const { name, state } = this.lookup(functionName);
    this.alias(name, state, aliasName);
    state.aliases.delete(aliasName);
  }

  /** The aliases, optionally only those that point at (or route to) one version. */
  listAliases(functionName: string, functionVersion?: string): AliasConfiguration[] {
    const { name, state } = this.lookup(functionName);
    return [...state.aliases.values()]
      .filter((a) => functionVersion === undefined || a.functionVersion === functionVersion || a.weights[functionVersion] !== undefined)
      .map((a) => this.aliasView(name, a));
  }

  /**
   * What an invocation runs. The function may be named by name, `name:qualifier`, partial ARN
   * (`account:function:name`) or full ARN; a qualifier in the name must agree with `qualifier`. An alias with
   * routing picks its additional version with that version's weight.
   */
  resolve(functionName: string, qualifier?: string): ResolvedInvocation {
    const { name, state, qualifier: q } = this.lookup(functionName, qualifier);
    const invokedArn = q === undefined ? state.latest.model.arn : this.arnOf(name, q);
    const run = (snapshot: Snapshot, executedVersion: string): ResolvedInvocation => ({
      functionName: name,
      ...(q === undefined ? {} : { qualifier: q }),
      executedVersion,
      fn: { ...copyModel(snapshot.model), ...(executedVersion === LATEST ? {} : { version: executedVersion }), invokedArn },
    });
    if (q === undefined || q === LATEST) return run(state.latest, LATEST);
    if (VERSION.test(q)) return run(this.version(name, state, q), q);
    const alias = this.alias(name, state, q);
    let version = alias.functionVersion;
    const [extra] = Object.entries(alias.weights);
    if (extra !== undefined && this.random() < extra[1]) version = extra[0];
    return run(version === LATEST ? state.latest : this.version(name, state, version), version);
  }

  /** `arn:…:function:name`, or qualified by a version or alias. */
  arnOf(functionName: string, qualifier?: string): string {
    const state = this.functions.get(functionName);
    if (state === undefined) throw notFound(functionName);
    const base = unqualifiedArn(state.latest.model.arn);
    return qualifier === undefined ? base : `${base}:${qualifier}`;
  }

  private lookup(functionName: string, qualifier?: string): { name: string; state: FunctionState; qualifier?: string } {
    const parsed = parseFunctionName(functionName);
    if (parsed === undefined) throw validation(`Value '${functionName}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern`);
    if (parsed.qualifier !== undefined && qualifier !== undefined && parsed.qualifier !== qualifier) {
      throw invalid('The derived qualifier from the function name does not match the specified qualifier.');
    }
    const state = this.functions.get(parsed.name);
    if (state === undefined) throw notFound(functionName);
    if (parsed.account !== undefined || parsed.region !== undefined) {
      // An ARN of another account or region names a function that does not exist here.
      const [, , , region, account] = state.latest.model.arn.split(':');
      if ((parsed.account !== undefined && parsed.account !== account) || (parsed.region !== undefined && parsed.region !== region)) throw notFound(functionName);
    }
    const q = parsed.qualifier ?? qualifier;
    if (q !== undefined && q !== LATEST && !VERSION.test(q) && !ALIAS_NAME.test(q)) {
      throw validation(`Value '${q}' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)`);
    }
    return { name: parsed.name, state, ...(q === undefined ? {} : { qualifier: q }) };
  }

  private version(name: string, state: FunctionState, version: string): PublishedVersion {
    const found = state.versions.get(version);
    if (found === undefined) throw notFound(this.arnOf(name, version));
    return found;
  }

  private alias(name: string, state: FunctionState, aliasName: string): AliasState {
    const found = state.aliases.get(aliasName);
    if (found === undefined) throw new LambdaServiceError('ResourceNotFoundException', `Alias not found: ${this.arnOf(name, aliasName)}`, 404);
    return found;
  }

  /** An alias points at $LATEST or a published version, never at another alias. */
  private checkTarget(name: string, state: FunctionState, functionVersion: string): void {
    if (functionVersion === LATEST) return;
    if (!VERSION.test(functionVersion)) {
      throw validation(`Value '${functionVersion}' at 'functionVersion' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\$LATEST|[0-9]+)`);
    }
    this.version(name, state, functionVersion);
  }

  private checkWeights(name: string, state: FunctionState, functionVersion: string, weights: Record<string, number>): Record<string, number> {
    const entries = Object.entries(weights);
    for (const [version, weight] of entries) {
      if (!VERSION.test(version)) {
        throw validation(`Value '${version}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [0-9]+]`);
      }
      if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0 || weight > 1) {
        throw validation(`Value '${String(weight)}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0]`);
      }
    }
    if (entries.length === 0) return {};
    if (entries.length > 1) throw invalid(`Number of items in AdditionalVersionWeights must be at most 1; ${entries.length} given`);
    const [version, weight] = entries[0]!;
    if (functionVersion === LATEST) throw invalid('$LATEST is not supported for an alias pointing to more than 1 version');
    if (version === functionVersion) throw invalid(`Version ${version} cannot be both the alias's FunctionVersion and its additional version`);
    if (!(weight > 0 && weight < 1)) throw invalid(`Invalid weight ${weight} for version ${version}: an additional version's weight must be greater than 0.0 and less than 1.0`);
    this.version(name, state, version);
    return { [version]: weight };
  }

  private view(name: string, snapshot: Snapshot, version: string, qualifier?: string): FunctionConfiguration {
    const { model } = snapshot;
    return {
      FunctionName: name,
      FunctionArn: version === LATEST && qualifier === undefined ? this.arnOf(name) : this.arnOf(name, qualifier ?? version),
      ...(model.runtime === undefined ? {} : { Runtime: model.runtime }),
      Handler: `index.${model.handlerExport}`,
      CodeSize: 0,
      Description: snapshot.description,
      Timeout: model.timeoutSeconds,
      MemorySize: model.memorySize,
      LastModified: snapshot.lastModified,
      CodeSha256: snapshot.codeSha256,
      Version: version,
      Environment: { Variables: { ...model.environment } },
      RevisionId: snapshot.revisionId,
      State: 'Active',
      LastUpdateStatus: 'Successful',
      PackageType: 'Zip',
      Architectures: ['x86_64'],
    };
  }

  private aliasView(name: string, alias: AliasState): AliasConfiguration {
    return {
      AliasArn: this.arnOf(name, alias.name),
      Name: alias.name,
      FunctionVersion: alias.functionVersion,
      Description: alias.description,
      ...(Object.keys(alias.weights).length === 0 ? {} : { RoutingConfig: { AdditionalVersionWeights: { ...alias.weights } } }),
      RevisionId: alias.revisionId,
    };
  }

  /** Lambda's LastModified format: 2024-01-02T03:04:05.678+0000. */
  private timestamp(): string {
    return this.now().toISOString().replace('Z', '+0000');
  }
}

/**
 * A function named by name, `name:qualifier`, partial ARN (`account:function:name[:qualifier]`) or full ARN
 * (`arn:partition:lambda:region:account:function:name[:qualifier]`); undefined when it is none of them.
 */
export function parseFunctionName(value: string): { name: string; qualifier?: string; account?: string; region?: string } | undefined {
  const part = '[a-zA-Z0-9-_]+';
  const qualifier = '(?::(\\$LATEST|[a-zA-Z0-9-_]+))?';
  const full = new RegExp(`^arn:[a-z-]+:lambda:([a-z0-9-]+):(\\d{12}):function:(${part})${qualifier}$`).exec(value);
  if (full) return { region: full[1]!, account: full[2]!, name: full[3]!, ...(full[4] === undefined ? {} : { qualifier: full[4] }) };
  const partial = new RegExp(`^(\\d{12}):function:(${part})${qualifier}$`).exec(value);
  if (partial) return { account: partial[1]!, name: partial[2]!, ...(partial[3] === undefined ? {} : { qualifier: partial[3] }) };
  const plain = new RegExp(`^(${part})${qualifier}$`).exec(value);
  if (plain) return { name: plain[1]!, ...(plain[2] === undefined ? {} : { qualifier: plain[2] }) };
  return undefined;
}

/** A model without per-invocation fields, its environment its own. */
function copyModel(fn: FunctionModel): FunctionModel {
  const { version: _version, invokedArn: _invokedArn, ...model } = fn;
  return { ...model, environment: { ...fn.environment } };
}

function unqualifiedArn(arn: string): string {
  // arn:partition:lambda:region:account:function:name[:qualifier]
  return arn.split(':').slice(0, 7).join(':');
}

/** Stands in for the deployment package's hash: stable for the same handler source. */
function codeSha256Of(fn: FunctionModel): string {
  return createHash('sha256').update(`${fn.entry ?? fn.name}#${fn.handlerExport}`).digest('base64');
}

function fingerprintOf(snapshot: Snapshot): string {
  const { model } = snapshot;
  const environment = Object.fromEntries(Object.entries(model.environment).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return JSON.stringify([snapshot.codeSha256, snapshot.description, model.timeoutSeconds, model.memorySize, model.runtime ?? null, model.handlerExport, environment]);
}

function checkVariables(variables: Record<string, string>): Record<string, string> {
  const reserved = Object.keys(variables).filter((key) => RESERVED_VARIABLES.has(key));
  if (reserved.length > 0) {
    throw invalid(
      `Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${reserved.join(', ')}`,
    );
  }
  const bad = Object.keys(variables).find((key) => !ENV_KEY.test(key));
  if (bad !== undefined) throw validation(`Value at 'environment.variables' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]`);
  const nonString = Object.entries(variables).find(([, v]) => typeof v !== 'string');
  if (nonString !== undefined) throw new LambdaServiceError('InvalidRequestContentException', `Could not parse request body into json: environment variable ${nonString[0]} is not a string`, 400);
  const size = Buffer.byteLength(JSON.stringify(variables));
  if (size > ENVIRONMENT_LIMIT_BYTES) {
    throw invalid(`Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: ${size} bytes`);
  }
  return { ...variables };
}

function checkAliasName(name: string): void {
  if (!ALIAS_NAME.test(name)) {
    throw validation(`Value '${name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)`);
  }
}

function notFound(what: string): LambdaServiceError {
  return new LambdaServiceError('ResourceNotFoundException', `Function not found: ${what}`, 404);
}

function invalid(message: string): LambdaServiceError {
  return new LambdaServiceError('InvalidParameterValueException', message, 400);
}

function validation(detail: string): LambdaServiceError {
  return new LambdaServiceError('ValidationException', `1 validation error detected: ${detail}`, 400);
}

function preconditionFailed(api: string): LambdaServiceError {
  return new LambdaServiceError('PreconditionFailedException', `The Revision Id provided does not match the latest Revision Id. Call the ${api} API to retrieve the latest Revision Id`, 412);
}
