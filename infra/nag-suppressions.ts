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
