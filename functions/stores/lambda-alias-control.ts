import {
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionConfigurationCommand,
  type AliasConfiguration,
  type FunctionConfiguration,
} from '@aws-sdk/client-lambda';
import { lambdaClient } from './aws-clients';
import {
  checkCandidateWeight,
  COHORTS,
  PIN_VARIABLES,
  type AliasControl,
  type AliasWeights,
  type ClearOutcome,
  type Cohort,
  type VersionPin,
} from '../canary/alias-control';

/*
 * The router's alias through the Lambda control plane: GetAlias/UpdateAlias with RoutingConfig
 * AdditionalVersionWeights, and GetFunctionConfiguration/UpdateFunctionConfiguration/PublishVersion to pin a model in
 * a version. With lambda-function-invoke.ts, the only importers of @aws-sdk/client-lambda.
 *
 * Every alias write carries the RevisionId it read, so a concurrent change (another rollback, a deploy) makes it fail
 * with PreconditionFailedException instead of silently undoing the other writer; the write is then re-read and retried.
 */

export interface LambdaAliasControlOptions {
  /** Between polls of LastUpdateStatus (default 1 s). */
  pollIntervalMs?: number;
  /** Gives up waiting for a configuration update after this long (default 5 min). */
  maxWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** How a rollback's alias update names the candidate it cleared (the alias description). */
const ROLLED_BACK_PREFIX = 'finegate canary: rolled back version ';

/** Alias writes retried after a concurrent change. */
const ALIAS_WRITE_ATTEMPTS = 3;
const DESCRIPTION_LIMIT = 256;

export class LambdaAliasControl implements AliasControl {
  private readonly pollIntervalMs: number;
  private readonly maxWaitMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    readonly functionName: string,
    readonly aliasName = 'live',
    options: LambdaAliasControlOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.maxWaitMs = options.maxWaitMs ?? 300_000;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async getWeights(): Promise<AliasWeights> {
    return weightsOf(await this.alias());
  }

  async setCandidateWeight(version: string, weight: number, currentVersion?: string): Promise<void> {
    checkCandidateWeight(weight);
    await this.writeAlias((alias) => {
      const weights = weightsOf(alias);
      const current = currentVersion ?? weights.currentVersion;
      if (current === '$LATEST') throw new Error(`alias ${this.aliasName} points at $LATEST; a weighted alias needs a published current version`);
      if (version === current) throw new Error(`version ${version} is the alias's current version; the candidate must be another version`);
      if (weights.candidate !== undefined && weights.candidate.version !== version) {
        throw new Error(`alias ${this.aliasName} already routes ${weights.candidate.weight} to version ${weights.candidate.version}; clear it before weighting version ${version}`);
      }
      if (weights.candidate?.weight === weight && weights.currentVersion === current) return undefined;
      return { FunctionVersion: current, RoutingConfig: { AdditionalVersionWeights: { [version]: weight } }, Description: `finegate canary: version ${version} at weight ${weight} over ${current}` };
    });
  }

  async clearCandidate(restoreVersion?: string): Promise<ClearOutcome> {
    let outcome: ClearOutcome = { cleared: false };
    await this.writeAlias((alias) => {
      const { currentVersion, candidate } = weightsOf(alias);
      const target = restoreVersion ?? currentVersion;
      outcome = {
        cleared: candidate !== undefined,
        ...(candidate === undefined ? {} : { version: candidate.version }),
        ...(target === currentVersion ? {} : { restored: target }),
      };
      if (candidate === undefined && target === currentVersion) return undefined;
      // An empty map removes the routing: the alias then sends everything to FunctionVersion. The description records
      // the candidate in the same update, so a rollback that stops right after can be finished by its retry.
      return {
        FunctionVersion: target,
        RoutingConfig: { AdditionalVersionWeights: {} },
        ...(candidate === undefined ? {} : { Description: `${ROLLED_BACK_PREFIX}${candidate.version} at ${new Date().toISOString()}` }),
      };
    });
    return outcome;
  }

  async promote(version: string): Promise<void> {
    await this.writeAlias((alias) => {
      const { currentVersion, candidate } = weightsOf(alias);
      if (currentVersion === version && candidate === undefined) return undefined;
      return { FunctionVersion: version, RoutingConfig: { AdditionalVersionWeights: {} }, Description: `finegate canary: serving version ${version}` };
    });
  }

  async publishVersion(modelRef: string, cohort: Cohort, pin: Omit<VersionPin, 'modelRef' | 'cohort'> = {}): Promise<string> {
    const wanted: VersionPin = { ...pin, modelRef, cohort };
    let config = await this.settled();
    const variables = { ...(config.Environment?.Variables ?? {}) };
    for (const [key, name] of Object.entries(PIN_VARIABLES) as [keyof VersionPin, string][]) {
      const value = wanted[key];
      // A pin left out is removed, so no stale value from an earlier canary survives into this version.
      if (value === undefined) delete variables[name];
      else variables[name] = value;
    }
    if (!sameVariables(variables, config.Environment?.Variables ?? {})) {
      await lambdaClient().send(new UpdateFunctionConfigurationCommand({ FunctionName: this.functionName, Environment: { Variables: variables }, RevisionId: config.RevisionId }));
      config = await this.settled();
      if (config.LastUpdateStatus !== 'Successful') {
        throw new Error(`${this.functionName}: the configuration update ended ${config.LastUpdateStatus ?? 'without a status'}: ${config.LastUpdateStatusReason ?? 'no reason given'}`);
      }
    }
    // RevisionId: publish exactly the configuration just written, or fail if someone changed it meanwhile.
    const published = await lambdaClient().send(
      new PublishVersionCommand({ FunctionName: this.functionName, RevisionId: config.RevisionId, Description: `finegate canary: ${cohort} ${modelRef}`.slice(0, DESCRIPTION_LIMIT) }),
    );
    if (published.Version === undefined || published.Version === '$LATEST') throw new Error(`${this.functionName}: PublishVersion returned no version`);
    const pinned = pinOf(published.Environment?.Variables ?? {});
    if (pinned.modelRef !== modelRef || pinned.cohort !== cohort) {
      throw new Error(`${this.functionName}: version ${published.Version} pins ${pinned.modelRef ?? 'no model'} (${pinned.cohort ?? 'no cohort'}), not ${modelRef} (${cohort})`);
    }
    return published.Version;
  }

  async versionPin(version: string): Promise<VersionPin> {
    const config = await lambdaClient().send(new GetFunctionConfigurationCommand({ FunctionName: this.functionName, Qualifier: version }));
    return pinOf(config.Environment?.Variables ?? {});
  }

  private alias(): Promise<AliasConfiguration> {
    return lambdaClient().send(new GetAliasCommand({ FunctionName: this.functionName, Name: this.aliasName }));
  }

  /** Read, decide, write with the revision read; `change` returns undefined when nothing needs writing. */
  private async writeAlias(change: (alias: AliasConfiguration) => Pick<AliasConfiguration, 'FunctionVersion' | 'RoutingConfig' | 'Description'> | undefined): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const alias = await this.alias();
      const update = change(alias);
      if (update === undefined) return;
      try {
        await lambdaClient().send(new UpdateAliasCommand({ FunctionName: this.functionName, Name: this.aliasName, ...update, RevisionId: alias.RevisionId }));
        return;
      } catch (error) {
        if ((error as { name?: string }).name !== 'PreconditionFailedException' || attempt >= ALIAS_WRITE_ATTEMPTS) throw error;
      }
    }
  }

  /** $LATEST's configuration once no update is in progress (a new one is refused while one is). */
  private async settled(): Promise<FunctionConfiguration> {
    const deadline = Date.now() + this.maxWaitMs;
    for (;;) {
      const config = await lambdaClient().send(new GetFunctionConfigurationCommand({ FunctionName: this.functionName }));
      if (config.LastUpdateStatus !== 'InProgress' && config.State !== 'Pending') return config;
      if (Date.now() >= deadline) throw new Error(`${this.functionName}: the configuration update is still in progress after ${this.maxWaitMs} ms`);
      await this.sleep(this.pollIntervalMs);
    }
  }
}

function weightsOf(alias: AliasConfiguration): AliasWeights {
  if (alias.FunctionVersion === undefined) throw new Error(`alias ${alias.Name ?? ''} has no FunctionVersion`);
  const entries = Object.entries(alias.RoutingConfig?.AdditionalVersionWeights ?? {}).filter(([, weight]) => weight > 0);
  if (entries.length > 1) throw new Error(`alias ${alias.Name ?? ''} routes to ${entries.length} additional versions; a canary expects at most one`);
  const [entry] = entries;
  const rolledBack = alias.Description?.startsWith(ROLLED_BACK_PREFIX) ? alias.Description.slice(ROLLED_BACK_PREFIX.length).split(' ')[0] : undefined;
  return {
    currentVersion: alias.FunctionVersion,
    ...(entry === undefined ? {} : { candidate: { version: entry[0], weight: entry[1] } }),
    ...(rolledBack ? { rolledBack } : {}),
  };
}

function pinOf(variables: Record<string, string>): VersionPin {
  const pin: VersionPin = {};
  const cohort = variables[PIN_VARIABLES.cohort];
  if (variables[PIN_VARIABLES.modelRef] !== undefined) pin.modelRef = variables[PIN_VARIABLES.modelRef];
  if (cohort !== undefined && (COHORTS as readonly string[]).includes(cohort)) pin.cohort = cohort as Cohort;
  if (variables[PIN_VARIABLES.otherModelRef] !== undefined) pin.otherModelRef = variables[PIN_VARIABLES.otherModelRef];
  if (variables[PIN_VARIABLES.runId] !== undefined) pin.runId = variables[PIN_VARIABLES.runId];
  if (variables[PIN_VARIABLES.rolloutExecutionArn] !== undefined) pin.rolloutExecutionArn = variables[PIN_VARIABLES.rolloutExecutionArn];
  if (variables[PIN_VARIABLES.previousVersion] !== undefined) pin.previousVersion = variables[PIN_VARIABLES.previousVersion];
  return pin;
}

function sameVariables(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => b[k] === a[k]);
}
