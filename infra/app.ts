import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { FinegateStack } from './finegate-stack';
import { FINEGATE_STACK_ID } from './synthesize-template';

const app = new App();
new FinegateStack(app, FINEGATE_STACK_ID);
// cdk-nag v3 runs as a policy validation plugin: any unacknowledged finding fails the synth.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
app.synth();
