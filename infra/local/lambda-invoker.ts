import { randomBytes, randomUUID } from 'node:crypto';
import { isAbsolute, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import type { FunctionModel } from './template-model';

/*
 * Runs a template function in this process the way Lambda runs it: the handler module is imported from the
 * function's `finegate:entry` (once, like a warm container; an import that fails is retried on the next call,
 * like a failed init), the function's environment and Lambda's own variables are set for the call, the handler
 * gets a Lambda context, and the configured timeout is enforced. process.env is global, so callers must not
 * overlap invocations of functions whose environments differ; LocalRuntime serialises them.
 */

export interface InvocationError {
  errorType: string;
  errorMessage: string;
  stackTrace?: string[];
}

export type InvocationOutcome =
  | { outcome: 'success'; requestId: string; durationMs: number; result: unknown }
  | { outcome: 'error' | 'timeout'; requestId: string; durationMs: number; error: InvocationError };

export interface InvokerOptions {
  /** Entries are resolved against this directory (the repository root). */
  projectRoot: string;
  region: string;
  /** Variables set for every invocation under the function's own (SDK endpoints, credentials). */
  baseEnvironment?: Record<string, string>;
  /**
   * Sees every line a function writes to stdout while it runs, as Lambda ships them to CloudWatch Logs (where
   * embedded metric format lines become metrics); `true` keeps the line off this process's stdout.
   */
  onStdoutLine?: (fn: FunctionModel, line: string) => boolean;
}

type Handler = (event: unknown, context: Context) => unknown;

export class LambdaInvoker {
  private readonly modules = new Map<string, Promise<Record<string, unknown>>>();

  constructor(private readonly options: InvokerOptions) {}

  async invoke(fn: FunctionModel, event: unknown): Promise<InvocationOutcome> {
    const requestId = randomUUID();
    const started = Date.now();
    const deadline = started + fn.timeoutSeconds * 1000;
    const stream = logStreamName(fn.version);
    const restore = this.applyEnvironment(fn, stream);
    const release = this.captureStdout(fn);
    let timer: NodeJS.Timeout | undefined;
    try {
      const handler = await this.handlerOf(fn);
      if (handler.length >= 3) {
        // The nodejs24.x runtime runs only handlers that return a promise (or a value), not callback ones.
        throw Object.assign(new Error(`${fn.entry}: callback-based handlers are not supported; return a promise instead`), {
          name: 'Runtime.CallbackHandlerDeprecated',
        });
      }
      const { context, settled } = lambdaContext(fn, requestId, deadline, stream);
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new TimeoutSignal()), Math.max(0, deadline - Date.now()));
      });
      // A deep copy, as the payload arrives serialised in Lambda: handlers cannot mutate our log.
      const payload = JSON.parse(JSON.stringify(event)) as unknown;
      const result = await Promise.race([Promise.resolve().then(() => handler(payload, context)), settled, timeout]);
      return { outcome: 'success', requestId, durationMs: Date.now() - started, result };
    } catch (error) {
      const durationMs = Date.now() - started;
      if (error instanceof TimeoutSignal) {
        return {
          outcome: 'timeout',
          requestId,
          durationMs,
          error: { errorType: 'Sandbox.Timedout', errorMessage: `Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds` },
        };
      }
      return { outcome: 'error', requestId, durationMs, error: toInvocationError(error) };
    } finally {
      clearTimeout(timer);
      release();
      restore();
    }
  }

  /** Routes stdout through onStdoutLine for the invocation; returns how to put stdout back. */
  private captureStdout(fn: FunctionModel): () => void {
    const observe = this.options.onStdoutLine;
    if (!observe) return () => {};
    const stdout = process.stdout;
    const original = stdout.write;
    let pending = '';
    const patched = function (this: unknown, chunk: unknown, ...rest: unknown[]): boolean {
      const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) || chunk instanceof Uint8Array ? Buffer.from(chunk).toString('utf8') : String(chunk);
      pending += text;
      let kept = '';
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        if (!observe(fn, line)) kept += `${line}\n`;
        newline = pending.indexOf('\n');
      }
      const callback = rest.find((r) => typeof r === 'function') as ((error?: Error | null) => void) | undefined;
      if (kept === '') {
        callback?.();
        return true;
      }
      return original.call(stdout, kept, ...(rest as [])) as boolean;
    } as typeof stdout.write;
    stdout.write = patched;
    return () => {
      if (stdout.write === patched) stdout.write = original;
      if (pending !== '' && !observe(fn, pending)) original.call(stdout, pending);
    };
  }

  private async handlerOf(fn: FunctionModel): Promise<Handler> {
    if (!fn.entry) {
      throw Object.assign(new Error(`function ${fn.name} has no finegate:entry metadata and cannot run locally`), {
        name: 'Runtime.HandlerNotFound',
      });
    }
    const path = isAbsolute(fn.entry) ? fn.entry : join(this.options.projectRoot, fn.entry);
    let loading = this.modules.get(path);
    if (!loading) {
      loading = import(pathToFileURL(path).href) as Promise<Record<string, unknown>>;
      this.modules.set(path, loading);
      loading.catch(() => this.modules.delete(path));
    }
    let module: Record<string, unknown>;
    try {
      module = await loading;
    } catch (error) {
      throw Object.assign(new Error(`Error: Cannot load ${fn.entry}: ${error instanceof Error ? error.message : String(error)}`), {
        name: 'Runtime.ImportModuleError',
        cause: error,
      });
    }
    const handler = module[fn.handlerExport];
    if (typeof handler !== 'function') {
      throw Object.assign(new Error(`${fn.entry} does not export a function named ${fn.handlerExport}`), {
        name: 'Runtime.HandlerNotFound',
      });
    }
    return handler as Handler;
  }

  /** Sets the function's variables and Lambda's reserved ones; returns how to put process.env back. */
  private applyEnvironment(fn: FunctionModel, stream: string): () => void {
    const variables: Record<string, string> = {
      ...this.options.baseEnvironment,
      ...fn.environment,
      AWS_REGION: this.options.region,
      AWS_DEFAULT_REGION: this.options.region,
      AWS_LAMBDA_FUNCTION_NAME: fn.name,
      AWS_LAMBDA_FUNCTION_VERSION: fn.version ?? '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
      AWS_LAMBDA_LOG_GROUP_NAME: fn.logGroupName,
      AWS_LAMBDA_LOG_STREAM_NAME: stream,
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime ?? 'nodejs'}`,
      LAMBDA_TASK_ROOT: this.options.projectRoot,
    };
    const previous = new Map<string, string | undefined>();
    for (const [key, value] of Object.entries(variables)) {
      previous.set(key, process.env[key]);
      process.env[key] = value;
    }
    return () => {
      for (const [key, value] of previous) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    };
  }
}

class TimeoutSignal extends Error {}

/**
 * A Lambda context. The legacy done/succeed/fail methods belong to callback-style handlers, which nodejs24.x
 * no longer runs: calling one fails the invocation (if it is still running) instead of completing it.
 */
function lambdaContext(fn: FunctionModel, requestId: string, deadline: number, stream: string): { context: Context; settled: Promise<never> } {
  let fail!: (error: unknown) => void;
  const settled = new Promise<never>((_, reject) => {
    fail = reject;
  });
  settled.catch(() => {});
  const legacy = (method: string) => () =>
    fail(Object.assign(new Error(`context.${method}() is not supported by the nodejs24.x runtime; return a promise instead`), {
      name: 'Runtime.CallbackHandlerDeprecated',
    }));
  const context: Context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: fn.name,
    functionVersion: fn.version ?? '$LATEST',
    invokedFunctionArn: fn.invokedArn ?? fn.arn,
    memoryLimitInMB: String(fn.memorySize),
    awsRequestId: requestId,
    logGroupName: fn.logGroupName,
    logStreamName: stream,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: legacy('done'),
    fail: legacy('fail'),
    succeed: legacy('succeed'),
  };
  // `settled` only decides the race when a legacy method is called; otherwise it never settles.
  return { context, settled };
}

function logStreamName(version = '$LATEST'): string {
  const day = new Date().toISOString().slice(0, 10).replace(/-/g, '/');
  return `${day}/[${version}]${randomBytes(16).toString('hex')}`;
}

function toInvocationError(error: unknown): InvocationError {
  if (error instanceof Error) {
    return {
      errorType: error.name || 'Error',
      errorMessage: error.message,
      ...(error.stack ? { stackTrace: error.stack.split('\n').slice(1).map((line) => line.trim()) } : {}),
    };
  }
  return { errorType: 'Error', errorMessage: typeof error === 'string' ? error : JSON.stringify(error) };
}
