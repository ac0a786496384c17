/** EventBridge sources finegate publishes under, and the native ones it listens to. */
export const SOURCES = {
  corpus: 'finegate.corpus',
  training: 'finegate.training',
  gate: 'finegate.gate',
  canary: 'finegate.canary',
  s3: 'aws.s3',
  sagemaker: 'aws.sagemaker',
  bedrock: 'aws.bedrock',
  cloudwatch: 'aws.cloudwatch',
  states: 'aws.states',
} as const;

/** An EventBridge event pattern as CDK's `events.EventPattern` and the local runtime both read it. */
export type EventPatternJson = Record<string, unknown>;
