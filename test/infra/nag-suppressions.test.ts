import { describe, expect, it } from 'vitest';
import { flattenReference } from '../../infra/nag-suppressions';

describe('flattenReference', () => {
  it('renders resolved CloudFormation values the way cdk-nag names its findings', () => {
    expect(flattenReference('*')).toBe('*');
    expect(flattenReference({ Ref: 'Queue' })).toBe('<Queue>');
    expect(flattenReference({ 'Fn::GetAtt': ['BucketA1', 'Arn'] })).toBe('<BucketA1.Arn>');
    expect(flattenReference({ 'Fn::Join': ['', [{ 'Fn::GetAtt': ['BucketA1', 'Arn'] }, '/corpora/*']] })).toBe(
      '<BucketA1.Arn>/corpora/*',
    );
    expect(flattenReference({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::team/x/*']] })).toBe(
      'arn:<AWS::Partition>:s3:::team/x/*',
    );
    expect(flattenReference({ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::b/*' })).toBe('arn:<AWS::Partition>:s3:::b/*');
    expect(flattenReference({ 'Fn::ImportValue': 'Shared' })).toBe('Shared');
    expect(flattenReference({ 'Fn::Select': [0, ['a']] })).toBe('{"Fn::Select":[0,["a"]]}');
  });
});
