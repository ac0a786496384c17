import { ArnFormat, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/**
 * The execution log group of a finegate state machine: execution data (inputs, outputs, verdicts) is logged, so the
 * group gets a KMS key of its own, and its name sits under /aws/vendedlogs/states/ so that Step Functions' log
 * delivery stays within the log resource-policy size limit. Created as `LogGroupKey` and `StateMachineLogGroup`
 * under `scope`.
 */
export function createStateMachineLogGroup(scope: Construct, what: string, overrides?: logs.LogGroupProps): { logGroup: logs.ILogGroup; key: kms.IKey } {
  const key = new kms.Key(scope, 'LogGroupKey', {
    description: `Encrypts the execution log of ${what}`,
    enableKeyRotation: true,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const stack = Stack.of(scope);
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchLogs',
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
        },
      },
    }),
  );
  const logGroup = new logs.LogGroup(scope, 'StateMachineLogGroup', {
    logGroupName: `/aws/vendedlogs/states/${Names.uniqueResourceName(scope, { maxLength: 200, separator: '-' })}`,
    encryptionKey: key,
    retention: logs.RetentionDays.THREE_MONTHS,
    removalPolicy: RemovalPolicy.RETAIN,
    ...overrides,
  });
  return { logGroup, key };
}
