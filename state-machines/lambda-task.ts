import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';

/** Errors of the Lambda service itself (not of the handler), worth retrying with backoff. */
export const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.TooManyRequestsException',
] as const;

/**
 * A Lambda task as every finegate state machine calls one: the function's own return value as the output
 * (payloadResponseOnly), one retrier for the Lambda service's errors with throttling, backoff and jitter (CDK's
 * default one leaves both out), and a task timeout a minute past the function's, so a hung call still reaches a Catch.
 */
export function lambdaTask(
  scope: Construct,
  id: string,
  fn: lambda.IFunction,
  props: Pick<tasks.LambdaInvokeJsonPathProps, 'comment' | 'payload' | 'resultPath'>,
): tasks.LambdaInvoke {
  const task = tasks.LambdaInvoke.jsonPath(scope, id, {
    ...props,
    lambdaFunction: fn,
    payloadResponseOnly: true,
    retryOnServiceExceptions: false,
    taskTimeout: sfn.Timeout.duration(taskTimeout(fn)),
  });
  task.addRetry({
    errors: [...LAMBDA_SERVICE_ERRORS],
    interval: Duration.seconds(2),
    maxAttempts: 6,
    backoffRate: 2,
    maxDelay: Duration.seconds(60),
    jitterStrategy: sfn.JitterType.FULL,
  });
  return task;
}

/** A minute past the function's own timeout (Lambda's default of 3 s when unset, its maximum when imported). */
function taskTimeout(fn: lambda.IFunction): Duration {
  const own = fn instanceof lambda.Function ? (fn.timeout?.toSeconds() ?? 3) : 900;
  return Duration.seconds(own + 60);
}
