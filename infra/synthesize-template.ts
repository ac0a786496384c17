import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { PROJECT_ROOT } from './finegate-function';
import { FinegateStack, type FinegateStackProps } from './finegate-stack';

export const FINEGATE_STACK_ID = 'Finegate';

/** Context from cdk.json (feature flags), so in-process synthesis matches `cdk synth`. */
export function projectContext(): Record<string, unknown> {
  const file = join(PROJECT_ROOT, 'cdk.json');
  if (!existsSync(file)) return {};
  const config = JSON.parse(readFileSync(file, 'utf8')) as { context?: Record<string, unknown> };
  return { ...config.context };
}

/** An app with the project's context and asset bundling skipped, for synthesis in tests and the local runtime. */
export function unbundledApp(): App {
  return new App({ context: { ...projectContext(), 'aws:cdk:bundling-stacks': [] } });
}

/**
 * Synthesizes the finegate stack in-process without bundling assets and returns its CloudFormation template.
 * The local runtime reads the topology (functions, rules, tables, buckets) from it.
 */
export function synthesizeTemplate(props?: FinegateStackProps): Record<string, any> {
  const app = unbundledApp();
  const stack = new FinegateStack(app, FINEGATE_STACK_ID, props);
  const assembly = app.synth();
  const template = assembly.getStackArtifact(stack.artifactId).template as Record<string, any>;
  // Each in-process synth writes a fresh temporary cloud assembly; only the template is wanted.
  rmSync(assembly.directory, { recursive: true, force: true });
  return template;
}
