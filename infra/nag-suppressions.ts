import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

// Every acknowledgement of an AwsSolutions finding lives here, each with the reason it is acceptable.
// cdk-nag v3 matches findings by exact id, so a new wildcard elsewhere still fails the synth.

/** X-Ray's write actions have no resource-level permissions; tracing cannot be granted narrower than `*`. */
export function acknowledgeTracingWildcard(role: IConstruct): void {
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'Active tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level ' +
      'permissions. Data actions on this role are scoped to named resources.',
  });
}

/**
 * Object-level S3 permissions under a key prefix are written `<bucket arn>/<prefix>*`: the wildcard names the
 * object keys below the prefix, which are not known in advance. Acknowledged for that exact resource only.
 */
export function acknowledgePrefixObjects(scope: IConstruct, objectsArn: string, what: string): void {
  Validations.of(scope).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${flattenReference(Stack.of(scope).resolve(objectsArn))}]`,
    reason: `Object keys of ${what} are not known in advance; the wildcard covers only keys under the configured prefix.`,
  });
}

/**
 * A cross-region inference profile routes each call to the foundation model in whichever region serves it, so the
 * model ARN is granted in every region (`bedrock:*::foundation-model/<id>`); acknowledged for that model only.
 */
export function acknowledgeCrossRegionModel(scope: IConstruct, modelArn: string): void {
  Validations.of(scope).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${flattenReference(Stack.of(scope).resolve(modelArn))}]`,
    reason: 'A cross-region inference profile invokes this one foundation model in any region it routes to.',
  });
}

/**
 * A function's versions are written `<function arn>:*`: the versions a rollout publishes are not known in advance.
 * Acknowledged for that one function's qualifiers only.
 */
export function acknowledgeFunctionVersions(scope: IConstruct, versionsArn: string): void {
  Validations.of(scope).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${flattenReference(Stack.of(scope).resolve(versionsArn))}]`,
    reason: 'The versions of this one function are published at run time; the wildcard covers its version qualifiers only.',
  });
}

/**
 * Executions of one state machine are written `arn:…:execution:<name>:*`: an execution's name is chosen when it
 * starts. Acknowledged for that state machine's executions only.
 */
export function acknowledgeRolloutExecutions(scope: IConstruct, executionsArn: string): void {
  Validations.of(scope).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${flattenReference(Stack.of(scope).resolve(executionsArn))}]`,
    reason: 'Executions are named when they start; the wildcard covers the executions of this one state machine.',
  });
}

/**
 * The canary's alarms are read by name prefix (`arn:…:alarm:finegate-canary-…*`): a user may add alarms under it.
 * Acknowledged for that prefix only.
 */
export function acknowledgeCanaryAlarms(scope: IConstruct, alarmsArn: string): void {
  Validations.of(scope).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${flattenReference(Stack.of(scope).resolve(alarmsArn))}]`,
    reason: 'The rollout reads the alarms under the canary prefix, including ones a user adds to it; nothing outside the prefix.',
  });
}

/**
 * For a role that also needs a read action without resource-level permissions: acknowledges its `*` again, with a
 * reason that names every action the wildcard covers (the tracing acknowledgement alone would name X-Ray only).
 */
export function acknowledgeUnscopedReads(role: IConstruct, actions: string): void {
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      `Active tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) and ${actions} support no resource-level ` +
      'permissions. The other actions on this role are scoped to named resources.',
  });
}

/**
 * The string cdk-nag shows for a resolved CloudFormation value (e.g. `<BucketABC.Arn>/corpora/*`),
 * so that an acknowledgement names exactly the finding it covers.
 */
export function flattenReference(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (value !== null && typeof value === 'object') {
    const node = value as Record<string, unknown>;
    const join = node['Fn::Join'];
    if (Array.isArray(join)) {
      const [delimiter, items] = join as [string, unknown[]];
      return items.map(flattenReference).join(delimiter);
    }
    if (node['Fn::Sub'] !== undefined) return flattenReference(node['Fn::Sub']);
    const getAtt = node['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `<${flattenReference(getAtt[0])}.${flattenReference(getAtt[1])}>`;
    if (node['Fn::ImportValue'] !== undefined) return flattenReference(node['Fn::ImportValue']);
    if (node.Ref !== undefined) return `<${flattenReference(node.Ref)}>`;
  }
  return JSON.stringify(value);
}
