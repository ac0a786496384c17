import { S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY } from './s3-server';

/*
 * The account, region, credentials and SDK variables of the local runtime. SDK v3 clients pick up
 * AWS_ENDPOINT_URL_<SERVICE> on their own, so handlers and tests need no local-only code to reach the
 * embedded services.
 */

export const LOCAL_ACCOUNT_ID = '000000000000';
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_STACK_NAME = 'finegate-local';

/** s3rver only accepts its own key id; DynamoDB Local (shared database) and our EventBridge accept any. */
export const LOCAL_CREDENTIALS = { accessKeyId: S3_ACCESS_KEY_ID, secretAccessKey: S3_SECRET_ACCESS_KEY } as const;

export interface LocalEndpoints {
  s3: string;
  dynamodb: string;
  eventbridge: string;
}

/**
 * Variables that point SDK clients at the local services. Also clears the variables that would let real
 * credentials or a configured profile leak in, or make the SDK ignore endpoint variables.
 */
export function localSdkEnvironment(endpoints: LocalEndpoints, region: string): { set: Record<string, string>; unset: string[] } {
  return {
    set: {
      AWS_ENDPOINT_URL_S3: endpoints.s3,
      AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
      AWS_ENDPOINT_URL_EVENTBRIDGE: endpoints.eventbridge,
      FINEGATE_S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_EC2_METADATA_DISABLED: 'true',
    },
    unset: ['AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS'],
  };
}

/** Applies variables to process.env and returns how to restore the previous values. */
export function applyEnvironment(variables: { set: Record<string, string>; unset: string[] }): () => void {
  const previous = new Map<string, string | undefined>();
  for (const key of [...Object.keys(variables.set), ...variables.unset]) previous.set(key, process.env[key]);
  for (const key of variables.unset) delete process.env[key];
  Object.assign(process.env, variables.set);
  return () => {
    for (const [key, value] of previous) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}
