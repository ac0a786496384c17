import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { describe, expect, it } from 'vitest';
import { grantObjectKey, Storage } from '../../infra/storage';
import { unbundledApp } from '../../infra/synthesize-template';

function storageStack(props: ConstructorParameters<typeof Storage>[2] = {}) {
  const stack = new Stack(unbundledApp(), 'S');
  const storage = new Storage(stack, 'Storage', props);
  // Synthesized when first read: grants added before that still belong to the template.
  return {
    stack,
    storage,
    get template() {
      return Template.fromStack(stack);
    },
  };
}

const keyRef = (template: Template) => ({ 'Fn::GetAtt': [Object.keys(template.findResources('AWS::KMS::Key'))[0]!, 'Arn'] });

describe('Storage encryption', () => {
  it('uses AWS managed encryption and creates no key by default', () => {
    const { storage, template } = storageStack();
    expect(storage.encryptionKey).toBeUndefined();
    template.resourceCountIs('AWS::KMS::Key', 0);
    template.allResourcesProperties('AWS::DynamoDB::Table', { SSESpecification: { SSEEnabled: true } });
    template.allResourcesProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
    });
  });

  it('creates a rotated customer managed key for the data buckets and every table with customerManagedKey', () => {
    const { storage, template } = storageStack({ customerManagedKey: true });
    expect(storage.encryptionKey).toBeDefined();
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResource('AWS::KMS::Key', { Properties: { EnableKeyRotation: true }, DeletionPolicy: 'Retain' });
    const key = keyRef(template);
    expect(Object.keys(template.findResources('AWS::DynamoDB::Table'))).toHaveLength(4);
    template.allResourcesProperties('AWS::DynamoDB::Table', { SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: key } });
    for (const bucket of [storage.corporaBucket, storage.artifactsBucket]) {
      expect(bucket.encryptionKey).toBe(storage.encryptionKey);
    }
    const kmsBuckets = template.findResources('AWS::S3::Bucket', {
      Properties: {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: key } }],
        },
      },
    });
    expect(Object.keys(kmsBuckets)).toHaveLength(2);
    // Server access logs are delivered only to SSE-S3 buckets.
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      OwnershipControls: Match.absent(),
    });
  });

  it('uses a key it is given and creates none', () => {
    const stack = new Stack(unbundledApp(), 'S');
    const given = new kms.Key(stack, 'Given');
    const storage = new Storage(stack, 'Storage', { encryptionKey: given });
    expect(storage.encryptionKey).toBe(given);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.allResourcesProperties('AWS::DynamoDB::Table', { SSESpecification: { KMSMasterKeyId: { 'Fn::GetAtt': [stack.getLogicalId(given.node.defaultChild as kms.CfnKey), 'Arn'] } } });
  });

  it('refuses a given key together with customerManagedKey', () => {
    const stack = new Stack(unbundledApp(), 'S');
    expect(() => new Storage(stack, 'Storage', { encryptionKey: new kms.Key(stack, 'K'), customerManagedKey: true })).toThrow(/either encryptionKey or customerManagedKey/);
  });

  it('grants table and object key use with exact actions, only through the service', () => {
    const { stack, storage } = storageStack({ customerManagedKey: true });
    const reader = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const writer = new iam.Role(stack, 'Writer', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    storage.grantTableKey(reader, 'read');
    storage.grantTableKey(writer, 'write');
    grantObjectKey(storage.corporaBucket, reader, 'read');
    grantObjectKey(storage.artifactsBucket, writer, 'write');
    const template = Template.fromStack(stack);
    const statements = (role: iam.Role) =>
      Object.values(template.findResources('AWS::IAM::Policy'))
        .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === stack.getLogicalId(role.node.defaultChild as iam.CfnRole)))
        .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Condition: any }[])
        .map((s) => [([] as string[]).concat(s.Action).join(','), s.Condition.StringEquals['kms:ViaService']['Fn::Join'][1][0]]);
    expect(statements(reader)).toEqual([
      ['kms:Decrypt,kms:DescribeKey', 'dynamodb.'],
      ['kms:Decrypt', 's3.'],
    ]);
    expect(statements(writer)).toEqual([
      ['kms:Decrypt,kms:DescribeKey,kms:Encrypt,kms:GenerateDataKey', 'dynamodb.'],
      ['kms:Decrypt,kms:GenerateDataKey', 's3.'],
    ]);
  });

  it('grants nothing for the key when the data uses AWS managed encryption', () => {
    const { stack, storage } = storageStack();
    const role = new iam.Role(stack, 'R', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    storage.grantTableKey(role, 'write');
    grantObjectKey(storage.artifactsBucket, role, 'write');
    Template.fromStack(stack).resourceCountIs('AWS::IAM::Policy', 0);
  });
});
