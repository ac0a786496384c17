import { InvokeCommand } from '@aws-sdk/client-lambda';
import { lambdaClient } from './aws-clients';

/** A function invoked synchronously failed: Lambda's error payload (errorType, errorMessage) as it returned it. */
export class FunctionInvokeError extends Error {
  override readonly name = 'FunctionInvokeError';
  constructor(
    readonly functionName: string,
    readonly errorType: string,
    message: string,
  ) {
    super(`${functionName}: ${errorType}: ${message}`);
  }
}

/**
 * Invokes a function synchronously (RequestResponse) with a JSON payload and returns its JSON result; a function
 * error (X-Amz-Function-Error) becomes a FunctionInvokeError naming the function's own error type.
 */
export async function invokeFunction(functionName: string, payload: unknown): Promise<unknown> {
  const response = await lambdaClient().send(
    new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', Payload: new TextEncoder().encode(JSON.stringify(payload)) }),
  );
  const text = response.Payload ? new TextDecoder().decode(response.Payload) : '';
  let body: unknown = null;
  if (text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  if (response.FunctionError) {
    const error = (body ?? {}) as { errorType?: unknown; errorMessage?: unknown };
    throw new FunctionInvokeError(
      functionName,
      typeof error.errorType === 'string' ? error.errorType : response.FunctionError,
      typeof error.errorMessage === 'string' ? error.errorMessage : text,
    );
  }
  return body;
}
