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
 *
 * Encryption with a customer-managed KMS key (created, yearly rotation) instead of AWS managed keys:
 *   npx cdk deploy -c customerManagedKey=true
 * An OpenAI-compatible API key, read from Secrets Manager at run time (never an environment variable):
 *   npx cdk deploy -c openAiApiKeySecretArn=arn:aws:secretsmanager:<region>:<account>:secret:<name>-<suffix>
 */
const canaryCurrentModel = contextString(app, 'canaryCurrentModel');
const gateModels = contextString(app, 'gateModels')?.split(',').map((m) => m.trim()).filter((m) => m !== '');
const customerManagedKey = contextString(app, 'customerManagedKey');
if (customerManagedKey !== undefined && customerManagedKey !== 'true' && customerManagedKey !== 'false') {
  throw new Error(`context customerManagedKey must be true or false, got ${JSON.stringify(customerManagedKey)}`);
}
const openAiApiKeySecretArn = contextString(app, 'openAiApiKeySecretArn');
new FinegateStack(app, FINEGATE_STACK_ID, {
  ...(gateModels === undefined ? {} : { gateModels }),
  ...(canaryCurrentModel === undefined ? {} : { canary: { currentModel: canaryCurrentModel } }),
  ...(customerManagedKey === 'true' ? { customerManagedKey: true } : {}),
  ...(openAiApiKeySecretArn === undefined ? {} : { openAiApiKeySecretArn }),
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
