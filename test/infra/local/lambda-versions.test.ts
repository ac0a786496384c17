import { describe, expect, it } from 'vitest';
import { LambdaServiceError, LambdaVersions, parseFunctionName } from '../../../infra/local/lambda-versions';
import type { FunctionModel } from '../../../infra/local/template-model';

const ARN = 'arn:aws:lambda:us-east-1:123456789012:function:finegate-canary-router';

const router = (): FunctionModel => ({
  logicalId: 'CanaryRouter',
  name: 'finegate-canary-router',
  arn: ARN,
  entry: 'functions/canary-router.ts',
  handlerExport: 'handler',
  environment: { MODEL_REF: 'local:echo', COHORT: 'current' },
  timeoutSeconds: 30,
  memorySize: 1024,
  logGroupName: '/aws/lambda/finegate-canary-router',
  runtime: 'nodejs24.x',
  asyncRetryAttempts: 2,
  asyncMaxEventAgeSeconds: 21_600,
});

/** A seeded uniform source (mulberry32), so weighted picks are reproducible. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const NAME = 'finegate-canary-router';

function errorOf(fn: () => unknown): LambdaServiceError {
  try {
    fn();
  } catch (error) {
    if (error instanceof LambdaServiceError) return error;
    throw error;
  }
  throw new Error('expected a LambdaServiceError');
}

/** Versions 1 (current) and 2 (candidate) published, alias `live` on 1. */
function withTwoVersions(random?: () => number): LambdaVersions {
  const versions = new LambdaVersions([router()], random === undefined ? {} : { random });
  versions.publishVersion(NAME);
  versions.updateConfiguration(NAME, { Environment: { Variables: { MODEL_REF: 'bedrock:meta.llama3-1-8b-instruct-v1:0', COHORT: 'candidate' } } });
  versions.publishVersion(NAME);
  versions.createAlias(NAME, { name: 'live', functionVersion: '1' });
  return versions;
}

describe('LambdaVersions: $LATEST and published versions', () => {
  it('starts with $LATEST as the template configures it, settled and active', () => {
    const versions = new LambdaVersions([router()]);
    expect(versions.getConfiguration(NAME)).toMatchObject({
      FunctionName: NAME,
      FunctionArn: ARN,
      Version: '$LATEST',
      Runtime: 'nodejs24.x',
      Timeout: 30,
      MemorySize: 1024,
      Environment: { Variables: { MODEL_REF: 'local:echo', COHORT: 'current' } },
      State: 'Active',
      LastUpdateStatus: 'Successful',
    });
    expect(versions.getConfiguration(NAME).CodeSha256).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(versions.listVersions(NAME).map((v) => v.Version)).toEqual(['$LATEST']);
  });

  it('replaces the whole variable map on UpdateFunctionConfiguration and issues a new RevisionId', () => {
    const versions = new LambdaVersions([router()]);
    const before = versions.getConfiguration(NAME).RevisionId;
    const after = versions.updateConfiguration(NAME, { Environment: { Variables: { MODEL_REF: 'local:other' } }, Timeout: 60, Description: 'pinned' });
    expect(after.Environment.Variables).toEqual({ MODEL_REF: 'local:other' });
    expect(after).toMatchObject({ Timeout: 60, Description: 'pinned', MemorySize: 1024 });
    expect(after.RevisionId).not.toBe(before);
    expect(versions.updateConfiguration(NAME, { Environment: {} }).Environment.Variables).toEqual({});
  });

  it('publishes 1, 2, … freezing the configuration; publishing with nothing changed returns the latest version again', () => {
    const versions = new LambdaVersions([router()]);
    const first = versions.publishVersion(NAME, { description: 'current' });
    expect(first).toMatchObject({ Version: '1', FunctionArn: `${ARN}:1`, Description: 'current', Environment: { Variables: { COHORT: 'current' } } });
    expect(versions.publishVersion(NAME, { description: 'again' })).toMatchObject({ Version: '1', Description: 'current' });

    versions.updateConfiguration(NAME, { Environment: { Variables: { MODEL_REF: 'local:candidate', COHORT: 'candidate' } } });
    expect(versions.publishVersion(NAME).Version).toBe('2');
    // The same variables again, in another order, are no change.
    versions.updateConfiguration(NAME, { Environment: { Variables: { COHORT: 'candidate', MODEL_REF: 'local:candidate' } } });
    expect(versions.publishVersion(NAME).Version).toBe('2');
    // Back to version 1's configuration is a change relative to the latest version, so it publishes 3.
    versions.updateConfiguration(NAME, { Environment: { Variables: { MODEL_REF: 'local:echo', COHORT: 'current' } } });
    expect(versions.publishVersion(NAME).Version).toBe('3');

    expect(versions.getConfiguration(NAME, '1').Environment.Variables).toEqual({ MODEL_REF: 'local:echo', COHORT: 'current' });
    expect(versions.getConfiguration(NAME, '2').Environment.Variables).toEqual({ MODEL_REF: 'local:candidate', COHORT: 'candidate' });
    expect(versions.listVersions(NAME).map((v) => v.Version)).toEqual(['$LATEST', '1', '2', '3']);
  });

  it('refuses a stale RevisionId (PreconditionFailedException) and a CodeSha256 that is not $LATEST’s', () => {
    const versions = new LambdaVersions([router()]);
    const { RevisionId, CodeSha256 } = versions.getConfiguration(NAME);
    versions.updateConfiguration(NAME, { Environment: { Variables: { MODEL_REF: 'x' } }, RevisionId });
    expect(errorOf(() => versions.updateConfiguration(NAME, { Timeout: 5, RevisionId }))).toMatchObject({ type: 'PreconditionFailedException', status: 412 });
    expect(errorOf(() => versions.publishVersion(NAME, { revisionId: RevisionId }))).toMatchObject({ type: 'PreconditionFailedException', status: 412 });
    expect(errorOf(() => versions.publishVersion(NAME, { codeSha256: 'abc' }))).toMatchObject({ type: 'InvalidParameterValueException', status: 400 });
    expect(versions.publishVersion(NAME, { codeSha256: CodeSha256, revisionId: versions.getConfiguration(NAME).RevisionId }).Version).toBe('1');
  });

  it('refuses reserved, malformed and oversized environments, as Lambda does', () => {
    const versions = new LambdaVersions([router()]);
    expect(errorOf(() => versions.updateConfiguration(NAME, { Environment: { Variables: { AWS_REGION: 'x' } } }))).toMatchObject({
      type: 'InvalidParameterValueException',
      message: expect.stringContaining('Reserved keys used in this request: AWS_REGION'),
    });
    expect(errorOf(() => versions.updateConfiguration(NAME, { Environment: { Variables: { '1BAD': 'x' } } })).type).toBe('ValidationException');
    expect(errorOf(() => versions.updateConfiguration(NAME, { Environment: { Variables: { BIG: 'x'.repeat(5000) } } })).message).toMatch(/exceeded the 4KB limit/);
    expect(errorOf(() => versions.updateConfiguration(NAME, { Timeout: 901 })).type).toBe('ValidationException');
    expect(versions.getConfiguration(NAME).Environment.Variables).toEqual(router().environment);
  });

  it('answers ResourceNotFoundException for an unknown function or version', () => {
    const versions = new LambdaVersions([router()]);
    expect(errorOf(() => versions.getConfiguration('nope'))).toMatchObject({ type: 'ResourceNotFoundException', status: 404 });
    expect(errorOf(() => versions.getConfiguration(NAME, '7'))).toMatchObject({ type: 'ResourceNotFoundException', message: `Function not found: ${ARN}:7` });
  });
});

describe('LambdaVersions: aliases', () => {
  it('creates, reads, lists and deletes an alias; a second alias of the same name conflicts', () => {
    const versions = withTwoVersions();
    const live = versions.getAlias(NAME, 'live');
    expect(live).toMatchObject({ AliasArn: `${ARN}:live`, Name: 'live', FunctionVersion: '1', Description: '' });
    expect(live).not.toHaveProperty('RoutingConfig');
    expect(errorOf(() => versions.createAlias(NAME, { name: 'live', functionVersion: '2' }))).toMatchObject({ type: 'ResourceConflictException', status: 409, message: `Alias already exists: ${ARN}:live` });
    versions.createAlias(NAME, { name: 'staging', functionVersion: '2' });
    expect(versions.listAliases(NAME).map((a) => a.Name)).toEqual(['live', 'staging']);
    expect(versions.listAliases(NAME, '2').map((a) => a.Name)).toEqual(['staging']);
    versions.deleteAlias(NAME, 'staging');
    expect(errorOf(() => versions.getAlias(NAME, 'staging'))).toMatchObject({ type: 'ResourceNotFoundException', message: `Alias not found: ${ARN}:staging` });
  });

  it('refuses an alias on a version that does not exist, or with a numeric name', () => {
    const versions = withTwoVersions();
    expect(errorOf(() => versions.createAlias(NAME, { name: 'beta', functionVersion: '9' })).type).toBe('ResourceNotFoundException');
    expect(errorOf(() => versions.createAlias(NAME, { name: '12', functionVersion: '1' })).type).toBe('ValidationException');
  });

  it('weights one additional version, keeps the routing when an update leaves it out, and removes it with an empty map', () => {
    const versions = withTwoVersions();
    const weighted = versions.updateAlias(NAME, 'live', { routingConfig: { AdditionalVersionWeights: { '2': 0.1 } } });
    expect(weighted).toMatchObject({ FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 0.1 } } });
    expect(versions.listAliases(NAME, '2').map((a) => a.Name)).toEqual(['live']);
    expect(versions.updateAlias(NAME, 'live', { description: 'canary' }).RoutingConfig).toEqual({ AdditionalVersionWeights: { '2': 0.1 } });
    const cleared = versions.updateAlias(NAME, 'live', { functionVersion: '2', routingConfig: { AdditionalVersionWeights: {} } });
    expect(cleared).toMatchObject({ FunctionVersion: '2', Description: 'canary' });
    expect(cleared).not.toHaveProperty('RoutingConfig');
  });

  it('refuses bad routing as Lambda does, changing nothing', () => {
    const versions = withTwoVersions();
    versions.updateConfiguration(NAME, { Environment: { Variables: { MODEL_REF: 'three' } } });
    versions.publishVersion(NAME);
    const weights = (w: Record<string, number>) => errorOf(() => versions.updateAlias(NAME, 'live', { routingConfig: { AdditionalVersionWeights: w } }));
    expect(weights({ '2': 0.1, '3': 0.1 })).toMatchObject({ type: 'InvalidParameterValueException', message: expect.stringMatching(/at most 1/) });
    expect(weights({ '1': 0.1 })).toMatchObject({ type: 'InvalidParameterValueException' });
    expect(weights({ '2': 0 }).type).toBe('InvalidParameterValueException');
    expect(weights({ '2': 1 }).type).toBe('InvalidParameterValueException');
    expect(weights({ '2': 1.5 }).type).toBe('ValidationException');
    expect(weights({ '2': -0.1 }).type).toBe('ValidationException');
    expect(weights({ '9': 0.1 }).type).toBe('ResourceNotFoundException');
    expect(weights({ live: 0.1 }).type).toBe('ValidationException');
    expect(errorOf(() => versions.createAlias(NAME, { name: 'head', functionVersion: '$LATEST', routingConfig: { AdditionalVersionWeights: { '2': 0.5 } } })).type).toBe(
      'InvalidParameterValueException',
    );
    expect(versions.getAlias(NAME, 'live')).not.toHaveProperty('RoutingConfig');
  });

  it('refuses an update under a stale RevisionId (PreconditionFailedException)', () => {
    const versions = withTwoVersions();
    const { RevisionId } = versions.getAlias(NAME, 'live');
    versions.updateAlias(NAME, 'live', { routingConfig: { AdditionalVersionWeights: { '2': 0.05 } }, revisionId: RevisionId });
    expect(errorOf(() => versions.updateAlias(NAME, 'live', { functionVersion: '2', revisionId: RevisionId }))).toMatchObject({ type: 'PreconditionFailedException', status: 412 });
    expect(versions.getAlias(NAME, 'live').FunctionVersion).toBe('1');
  });
});

describe('LambdaVersions.resolve', () => {
  it('runs $LATEST, a version or an alias, with that version’s frozen configuration and the invoked ARN', () => {
    const versions = withTwoVersions();
    versions.updateConfiguration(NAME, { Environment: { Variables: { MODEL_REF: 'latest' } } });
    const latest = versions.resolve(NAME);
    expect(latest).toMatchObject({ functionName: NAME, executedVersion: '$LATEST', fn: { arn: ARN, invokedArn: ARN, environment: { MODEL_REF: 'latest' } } });
    expect(latest.fn).not.toHaveProperty('version');
    expect(versions.resolve(NAME, '2')).toMatchObject({ qualifier: '2', executedVersion: '2', fn: { arn: ARN, version: '2', invokedArn: `${ARN}:2`, environment: { COHORT: 'candidate' } } });
    const live = versions.resolve(NAME, 'live');
    expect(live).toMatchObject({
      qualifier: 'live',
      executedVersion: '1',
      fn: { arn: ARN, version: '1', invokedArn: `${ARN}:live`, environment: { COHORT: 'current' }, entry: 'functions/canary-router.ts' },
    });
    // The resolved model is a copy: changing it changes no version.
    live.fn.environment.COHORT = 'mutated';
    expect(versions.getConfiguration(NAME, '1').Environment.Variables.COHORT).toBe('current');
  });

  it('accepts the function as name, name:qualifier, partial ARN and full ARN', () => {
    const versions = withTwoVersions();
    expect(versions.resolve(`${NAME}:live`).executedVersion).toBe('1');
    expect(versions.resolve(`123456789012:function:${NAME}`, '2').executedVersion).toBe('2');
    expect(versions.resolve(`${ARN}:2`).executedVersion).toBe('2');
    expect(versions.resolve(ARN, 'live').qualifier).toBe('live');
    expect(errorOf(() => versions.resolve(`${NAME}:live`, '2'))).toMatchObject({ type: 'InvalidParameterValueException' });
    expect(errorOf(() => versions.resolve(ARN.replace('123456789012', '999999999999'))).type).toBe('ResourceNotFoundException');
    expect(errorOf(() => versions.resolve(NAME, 'nope')).type).toBe('ResourceNotFoundException');
  });

  it('routes by the alias weight: a seeded 10% converges to 10%', () => {
    const versions = withTwoVersions(seeded(42));
    versions.updateAlias(NAME, 'live', { routingConfig: { AdditionalVersionWeights: { '2': 0.1 } } });
    const n = 20_000;
    let candidate = 0;
    for (let i = 0; i < n; i++) {
      const run = versions.resolve(NAME, 'live');
      if (run.executedVersion === '2') {
        candidate++;
        expect(run.fn.environment.COHORT).toBe('candidate');
      }
    }
    // Binomial(20000, 0.1): sd ≈ 0.0021, so ±0.01 is beyond four sigma.
    expect(Math.abs(candidate / n - 0.1)).toBeLessThan(0.01);
    // The pick follows the random source exactly: below the weight goes to the additional version.
    const pinned = withTwoVersions(() => 0.0999);
    pinned.updateAlias(NAME, 'live', { routingConfig: { AdditionalVersionWeights: { '2': 0.1 } } });
    expect(pinned.resolve(NAME, 'live').executedVersion).toBe('2');
    const above = withTwoVersions(() => 0.1);
    above.updateAlias(NAME, 'live', { routingConfig: { AdditionalVersionWeights: { '2': 0.1 } } });
    expect(above.resolve(NAME, 'live').executedVersion).toBe('1');
  });
});

describe('parseFunctionName', () => {
  it('reads names, qualified names and ARNs, and refuses anything else', () => {
    expect(parseFunctionName('f')).toEqual({ name: 'f' });
    expect(parseFunctionName('f:$LATEST')).toEqual({ name: 'f', qualifier: '$LATEST' });
    expect(parseFunctionName('123456789012:function:f:3')).toEqual({ account: '123456789012', name: 'f', qualifier: '3' });
    expect(parseFunctionName('arn:aws:lambda:eu-west-1:123456789012:function:f:live')).toEqual({ region: 'eu-west-1', account: '123456789012', name: 'f', qualifier: 'live' });
    expect(parseFunctionName('arn:aws:sqs:eu-west-1:123456789012:f')).toBeUndefined();
    expect(parseFunctionName('a b')).toBeUndefined();
  });
});
