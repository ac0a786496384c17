import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { FinegateStack } from './finegate-stack';
import { FINEGATE_STACK_ID } from './synthesize-template';

const app = new App();
/*
 * The canary (stage 4) is deployed only when told which model the router serves first, from CDK context:
 *   npx cdk deploy -c canaryCurrentModel=bedrock:<modelId>
 * Bedrock models the canary calls are listed with -c gateModels=bedrock:<a>,bedrock:<b> (shared with the gate).
 * Without canaryCurrentModel the stack has no canary.
 */
const canaryCurrentModel = contextString(app, 'canaryCurrentModel');
const gateModels = contextString(app, 'gateModels')?.split(',').map((m) => m.trim()).filter((m) => m !== '');
new FinegateStack(app, FINEGATE_STACK_ID, {
  ...(gateModels === undefined ? {} : { gateModels }),
  ...(canaryCurrentModel === undefined ? {} : { canary: { currentModel: canaryCurrentModel } }),
});
// cdk-nag v3 runs as a policy validation plugin: any unacknowledged finding fails the synth.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
app.synth();

function contextString(scope: App, key: string): string | undefined {
  const value: unknown = scope.node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new Error(`context ${key} must be a string, got ${JSON.stringify(value)}`);
  return value;
}
