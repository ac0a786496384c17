import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { BUNDLE_ALIASES, BUNDLE_BUDGET_BYTES, BUNDLE_SIZE_REASONS, FinegateFunction, PROJECT_ROOT } from '../../infra/finegate-function';
import { projectContext, unbundledApp } from '../../infra/synthesize-template';

const FIXTURE = 'test/infra/fixtures/echo-handler.ts';

describe('FinegateFunction', () => {
  it('bundles with the local esbuild into an ESM module with a require shim and a source map', async () => {
    // Real bundling: no bundling-stacks override.
    const app = new App({ context: projectContext() });
    const stack = new Stack(app, 'Bundled');
    new FinegateFunction(stack, 'Echo', { entry: FIXTURE, handler: 'echo' });
    const assembly = app.synth();
    try {
      const assetDirs = readdirSync(assembly.directory).filter((d) => d.startsWith('asset.'));
      expect(assetDirs).toHaveLength(1);
      const dir = join(assembly.directory, assetDirs[0]!);
      const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
      expect(code.startsWith("import { createRequire } from 'module';const require = createRequire(import.meta.url);")).toBe(true);
      expect(code.trimEnd().endsWith('//# sourceMappingURL=index.mjs.map')).toBe(true);
      expect(existsSync(join(dir, 'index.mjs.map'))).toBe(true);

      const bundled = (await import(pathToFileURL(join(dir, 'index.mjs')).href)) as {
        echo: (e: { text: string }) => Promise<{ text: string; sha256: string }>;
      };
      await expect(bundled.echo({ text: 'abc' })).resolves.toEqual({
        text: 'abc',
        sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      });
    } finally {
      rmSync(assembly.directory, { recursive: true, force: true });
    }
  });

  it('sets the house runtime, architecture, tracing, log group, environment and metadata', () => {
    const stack = new Stack(unbundledApp(), 'S');
    const fn = new FinegateFunction(stack, 'Echo', {
      entry: join(PROJECT_ROOT, FIXTURE),
      handler: 'echo',
      environment: { EXTRA: '1' },
    });
    const template = Template.fromStack(stack);
    const [resource] = Object.values(template.findResources('AWS::Lambda::Function')) as any[];
    expect(resource.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.echo',
      TracingConfig: { Mode: 'Active' },
      MemorySize: 1024,
      Timeout: 30,
      Environment: {
        Variables: {
          POWERTOOLS_SERVICE_NAME: 'finegate',
          POWERTOOLS_METRICS_NAMESPACE: 'finegate',
          NODE_OPTIONS: '--enable-source-maps',
          EXTRA: '1',
        },
      },
    });
    // An absolute entry is recorded repository-relative.
    expect(resource.Metadata).toEqual({ 'finegate:entry': FIXTURE, 'finegate:handler': 'echo' });
    expect(fn.entrySource).toBe(FIXTURE);
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    template.resourceCountIs('AWS::IAM::Role', 1);
  });

  it('uses a role it is given and acknowledges nothing on it', () => {
    const stack = new Stack(unbundledApp(), 'S');
    const role = new iam.Role(stack, 'Given', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const fn = new FinegateFunction(stack, 'Echo', { entry: FIXTURE, handler: 'echo', role });
    expect(fn.role).toBe(role);
    Template.fromStack(stack).resourceCountIs('AWS::IAM::Role', 1);
    const acknowledged = role.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY);
    expect(acknowledged).toEqual([]);
  });

  it.each([
    ['../outside.ts', /inside the project root/],
    ['/tmp/elsewhere.ts', /inside the project root/],
    ['functions/readme.md', /TypeScript or JavaScript/],
  ])('rejects the entry %j', (entry, message) => {
    expect(() => new FinegateFunction(new Stack(unbundledApp(), 'S'), 'F', { entry })).toThrow(message);
  });

  it('rejects a handler that is not an export name', () => {
    expect(() => new FinegateFunction(new Stack(unbundledApp(), 'S'), 'F', { entry: FIXTURE, handler: 'index.echo' })).toThrow(
      /exported identifier/,
    );
  });

  it.each(['OPENAI_API_KEY', 'AWS_SECRET_ACCESS_KEY'])('refuses %s in the environment: keys come from Secrets Manager', (name) => {
    expect(() => new FinegateFunction(new Stack(unbundledApp(), 'S'), 'F', { entry: FIXTURE, environment: { [name]: 'x' } })).toThrow(
      new RegExp(`${name} must not be set in a function's environment`),
    );
  });

  it('accepts the ARN of the key secret in the environment', () => {
    const stack = new Stack(unbundledApp(), 'S');
    new FinegateFunction(stack, 'F', { entry: FIXTURE, environment: { OPENAI_API_KEY_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:k-AbCdEf' } });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { OPENAI_API_KEY_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:k-AbCdEf' } },
    });
  });
});

describe('bundle settings', () => {
  it('aliases only to files that exist, so a dependency that moves them fails here and not at deployment', () => {
    for (const target of Object.values(BUNDLE_ALIASES)) expect(existsSync(join(PROJECT_ROOT, target)), target).toBe(true);
  });

  it('writes a reason for every handler allowed over the budget, and names only real handlers', () => {
    expect(BUNDLE_BUDGET_BYTES).toBe(1024 * 1024);
    for (const [entry, reason] of Object.entries(BUNDLE_SIZE_REASONS)) {
      expect(existsSync(join(PROJECT_ROOT, entry)), entry).toBe(true);
      expect(reason.length, entry).toBeGreaterThan(60);
    }
  });
});
