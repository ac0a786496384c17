import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LambdaInvoker } from '../../../infra/local/lambda-invoker';
import type { FunctionModel } from '../../../infra/local/template-model';

const projectRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const invoker = new LambdaInvoker({ projectRoot, region: 'eu-central-1', baseEnvironment: { AWS_REGION: 'ignored' } });

const fn = (overrides: Partial<FunctionModel> = {}): FunctionModel => ({
  logicalId: 'EchoFn',
  name: 'local-EchoFn',
  arn: 'arn:aws:lambda:eu-central-1:000000000000:function:local-EchoFn',
  entry: 'test/infra/local/fixtures/handlers.ts',
  handlerExport: 'echo',
  environment: { GREETING: 'hello' },
  timeoutSeconds: 3,
  memorySize: 512,
  logGroupName: '/aws/lambda/local-EchoFn',
  asyncRetryAttempts: 2,
  asyncMaxEventAgeSeconds: 21_600,
  ...overrides,
});

describe('LambdaInvoker', () => {
  it('imports the entry, passes a copy of the event and a Lambda context, and sets the environment for the call', async () => {
    delete process.env.GREETING;
    const event = { id: 'e1', detail: { n: 1 } };
    const out = await invoker.invoke(fn(), event);
    expect(out.outcome).toBe('success');
    if (out.outcome !== 'success') return;
    const result = out.result as { event: unknown; context: Record<string, unknown>; env: Record<string, string> };
    expect(result.event).toEqual(event);
    expect(result.context).toMatchObject({
      functionName: 'local-EchoFn',
      functionVersion: '$LATEST',
      invokedFunctionArn: fn().arn,
      memoryLimitInMB: '512',
      awsRequestId: out.requestId,
      logGroupName: '/aws/lambda/local-EchoFn',
    });
    expect(result.context.remaining).toBeGreaterThan(2_000);
    expect(result.context.remaining).toBeLessThanOrEqual(3_000);
    expect(result.env).toMatchObject({ GREETING: 'hello', AWS_LAMBDA_FUNCTION_NAME: 'local-EchoFn', AWS_REGION: 'eu-central-1' });
    expect(result.env.AWS_LAMBDA_LOG_STREAM_NAME).toBe(result.context.logStreamName);
    expect(result.context.logStreamName).toMatch(/^\d{4}\/\d\d\/\d\d\/\[\$LATEST\][0-9a-f]{32}$/);
    // The function's variables do not outlive the invocation.
    expect(process.env.GREETING).toBeUndefined();
  });

  it('reports a thrown error with its type and message', async () => {
    const out = await invoker.invoke(fn({ handlerExport: 'fail' }), {});
    expect(out).toMatchObject({ outcome: 'error', error: { errorType: 'TypeError', errorMessage: 'deliberate failure' } });
  });

  it('enforces the function timeout', async () => {
    const started = Date.now();
    const out = await invoker.invoke(fn({ handlerExport: 'slow', timeoutSeconds: 0.2 }), {});
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(out).toMatchObject({ outcome: 'timeout', error: { errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 0.20 seconds' } });
  });

  it('refuses callback-style handlers and the legacy context methods, as nodejs24.x does', async () => {
    const callback = await invoker.invoke(fn({ handlerExport: 'legacyCallback' }), {});
    expect(callback).toMatchObject({ outcome: 'error', error: { errorType: 'Runtime.CallbackHandlerDeprecated' } });
    const succeed = await invoker.invoke(fn({ handlerExport: 'legacySucceed' }), {});
    expect(succeed).toMatchObject({ outcome: 'error', error: { errorType: 'Runtime.CallbackHandlerDeprecated' } });
  });

  it('turns import failures and missing exports into Lambda runtime errors', async () => {
    const broken = await invoker.invoke(fn({ entry: 'test/infra/local/fixtures/broken-import.ts', handlerExport: 'handler' }), {});
    expect(broken).toMatchObject({ outcome: 'error', error: { errorType: 'Runtime.ImportModuleError' } });
    if (broken.outcome !== 'success') expect(broken.error.errorMessage).toContain('initialisation failed');

    const missing = await invoker.invoke(fn({ handlerExport: 'nope' }), {});
    expect(missing).toMatchObject({ outcome: 'error', error: { errorType: 'Runtime.HandlerNotFound' } });

    const noEntry = fn();
    delete noEntry.entry;
    expect(await invoker.invoke(noEntry, {})).toMatchObject({ outcome: 'error', error: { errorType: 'Runtime.HandlerNotFound' } });
  });
});
