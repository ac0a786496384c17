import { describe, expect, it } from 'vitest';
import { readTemplate } from '../../../infra/local/template-model';

const env = { stackName: 'sm', account: '123456789012', region: 'eu-west-1', partition: 'aws' };

const fn = { Type: 'AWS::Lambda::Function', Properties: {} };

describe('state machines in the template model', () => {
  it('resolves a CDK-style DefinitionString to an ASL object naming the local function ARNs', () => {
    const model = readTemplate(
      {
        Resources: {
          Work: fn,
          Role: { Type: 'AWS::IAM::Role', Properties: {} },
          Machine: {
            Type: 'AWS::StepFunctions::StateMachine',
            Properties: {
              RoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] },
              DefinitionString: { 'Fn::Join': ['', ['{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"', { 'Fn::GetAtt': ['Work', 'Arn'] }, '","End":true}}}']] },
              LoggingConfiguration: { Level: 'ALL' },
              TracingConfiguration: { Enabled: true },
            },
          },
        },
        Outputs: { MachineArn: { Value: { Ref: 'Machine' } }, MachineName: { Value: { 'Fn::GetAtt': ['Machine', 'Name'] } } },
      },
      env,
    );
    expect(model.stateMachines).toEqual([
      {
        logicalId: 'Machine',
        name: 'sm-Machine',
        arn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:sm-Machine',
        type: 'STANDARD',
        definition: { StartAt: 'A', States: { A: { Type: 'Task', Resource: 'arn:aws:lambda:eu-west-1:123456789012:function:sm-Work', End: true } } },
        roleArn: 'arn:aws:iam::123456789012:role/sm-Role',
        loggingLevel: 'ALL',
        tracingEnabled: true,
      },
    ]);
    expect(model.outputs).toEqual({ MachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:sm-Machine', MachineName: 'sm-Machine' });
  });

  it('reads a Definition object, applies DefinitionSubstitutions and keeps an explicit name and type', () => {
    const model = readTemplate(
      {
        Resources: {
          Work: fn,
          Machine: {
            Type: 'AWS::StepFunctions::StateMachine',
            Properties: {
              StateMachineName: 'gate',
              StateMachineType: 'EXPRESS',
              Definition: { StartAt: 'A', States: { A: { Type: 'Task', Resource: '${work}', End: true } } },
              DefinitionSubstitutions: { work: { 'Fn::GetAtt': ['Work', 'Arn'] } },
            },
          },
        },
      },
      env,
    );
    const [machine] = model.stateMachines;
    expect(machine).toMatchObject({ name: 'gate', type: 'EXPRESS', arn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:gate' });
    expect((machine!.definition!.States as any).A.Resource).toBe('arn:aws:lambda:eu-west-1:123456789012:function:sm-Work');
  });

  it('keeps a definition it cannot read as an error of that state machine, not of the template', () => {
    const model = readTemplate(
      {
        Resources: {
          Broken: { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionString: { 'Fn::GetAtt': ['Nowhere', 'Arn'] } } },
          NotJson: { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionString: '{' } },
          InS3: { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionS3Location: { Bucket: 'b', Key: 'k' } } },
        },
      },
      env,
    );
    const errors = Object.fromEntries(model.stateMachines.map((m) => [m.logicalId, m.definitionError]));
    expect(errors.Broken).toMatch(/no resource or parameter named Nowhere/);
    expect(errors.NotJson).toMatch(/DefinitionString is not JSON/);
    expect(errors.InS3).toMatch(/DefinitionS3Location is not supported locally/);
    expect(model.stateMachines.every((m) => m.definition === undefined)).toBe(true);
  });
});
